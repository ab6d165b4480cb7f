package com.synapbackfill.worker;

import com.synapbackfill.json.Json;
import com.synapbackfill.ledger.CallStats;
import com.synapbackfill.model.Counters;
import java.io.PrintStream;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * CloudWatch Embedded Metric Format lines on stdout (no agent, no SDK call):
 * https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/CloudWatch_Embedded_Metric_Format_Specification.html
 */
public final class EmfWorkerMetrics implements WorkerMetrics {
    public static final String NAMESPACE = "SynapBackfill";
    private final PrintStream out;

    public EmfWorkerMetrics(PrintStream out) {
        this.out = out;
    }

    @Override
    public void step(Counters d, CallStats calls) {
        Map<String, Object> line = new LinkedHashMap<>();
        List<Map<String, String>> metrics = List.of(
                Map.of("Name", "DocumentsAccepted", "Unit", "Count"),
                Map.of("Name", "DocumentsAlreadyPresent", "Unit", "Count"),
                Map.of("Name", "DocumentsFailed", "Unit", "Count"),
                Map.of("Name", "SynapCalls", "Unit", "Count"),
                Map.of("Name", "SynapThrottled", "Unit", "Count"),
                Map.of("Name", "SynapRetries", "Unit", "Count"),
                Map.of("Name", "SynapServerErrors", "Unit", "Count"),
                Map.of("Name", "SynapCallLatency", "Unit", "Milliseconds"));
        line.put("_aws", Map.of("Timestamp", System.currentTimeMillis(), "CloudWatchMetrics",
                List.of(Map.of("Namespace", NAMESPACE, "Dimensions", List.of(List.of("Service")), "Metrics", metrics))));
        line.put("Service", "worker");
        line.put("DocumentsAccepted", d.accepted());
        line.put("DocumentsAlreadyPresent", d.alreadyPresent());
        line.put("DocumentsFailed", d.failed());
        line.put("SynapCalls", d.calls());
        line.put("SynapThrottled", d.throttled());
        line.put("SynapRetries", calls.retries());
        line.put("SynapServerErrors", calls.serverErrors());
        line.put("SynapCallLatency", calls.latenciesMillis());
        out.println(Json.write(line));
    }
}
