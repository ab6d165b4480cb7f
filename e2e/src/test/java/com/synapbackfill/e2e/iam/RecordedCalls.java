package com.synapbackfill.e2e.iam;

import com.fasterxml.jackson.databind.JsonNode;
import com.synapbackfill.json.Json;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.stream.Stream;

/**
 * The AWS calls the deployed functions made ({@link AwsCallRecorder}'s files), written as the reviewed list
 * {@code iam/aws-calls.txt} writes them: {@code FUNCTION ACTION RESOURCE}, the function and the resource named as the
 * template names them ({@code PlannerFunction s3:GetObject ${ReportBucket.Arn}/runs/*}), so that {@code scripts/check-iam}
 * can evaluate each against the template's policies, and a call the code starts making is a line the diff shows.
 */
public final class RecordedCalls {
    /** A resource of the deployed stack: its template name, type and physical id. */
    public record StackResource(String logicalId, String type, String physicalId) {
    }

    private RecordedCalls() {
    }

    /** Every recorded call as a line of the list, sorted, once. */
    public static TreeSet<String> lines(Path dir, List<StackResource> resources, Map<String, String> parameters) throws IOException {
        TreeSet<String> out = new TreeSet<>();
        if (!Files.isDirectory(dir)) return out;
        List<Path> files;
        try (Stream<Path> s = Files.list(dir)) {
            files = s.filter(p -> p.toString().endsWith(".jsonl")).toList();
        }
        for (Path f : files) {
            for (String l : Files.readAllLines(f, StandardCharsets.UTF_8)) {
                if (l.isBlank()) continue;
                JsonNode call = Json.MAPPER.readTree(l);
                String function = logical(call.path("function").asText(), "AWS::Lambda::Function", resources);
                for (JsonNode r : call.path("resources"))
                    out.add(function + " " + call.path("action").asText() + " " + resource(r.asText(), resources, parameters));
            }
        }
        return out;
    }

    /** The lines of a list file, comments and blank lines left out. */
    public static TreeSet<String> listed(Path file) throws IOException {
        TreeSet<String> out = new TreeSet<>();
        for (String l : Files.readAllLines(file, StandardCharsets.UTF_8)) {
            String t = l.replaceAll("#.*", "").trim().replaceAll("\\s+", " ");
            if (!t.isEmpty()) out.add(t);
        }
        return out;
    }

    private static String logical(String physical, String type, List<StackResource> resources) {
        for (StackResource r : resources) {
            if (r.type().equals(type) && (physical.equals(r.physicalId()) || physical.endsWith(":" + r.physicalId())
                    || r.physicalId().endsWith("/" + physical) || r.physicalId().endsWith(":" + physical))) return r.logicalId();
        }
        return "UNKNOWN(" + physical + ")";
    }

    /** A recorded resource as the template writes it. */
    static String resource(String recorded, List<StackResource> resources, Map<String, String> parameters) {
        int slash = recorded.indexOf('/');
        String kind = slash < 0 ? recorded : recorded.substring(0, slash);
        String rest = slash < 0 ? "" : recorded.substring(slash + 1);
        switch (kind) {
            case "table":
                return "${" + logical(rest, "AWS::DynamoDB::Table", resources) + ".Arn}";
            case "queue":
                return "${" + logical(rest, "AWS::SQS::Queue", resources) + ".Arn}";
            case "s3": {
                int k = rest.indexOf('/');
                String bucket = k < 0 ? rest : rest.substring(0, k);
                String b = "${" + logical(bucket, "AWS::S3::Bucket", resources) + ".Arn}";
                if (k < 0) return b;
                String key = rest.substring(k + 1);
                return b + "/" + (key.startsWith("runs/") ? "runs/*" : "*");
            }
            case "secret":
                for (Map.Entry<String, String> p : parameters.entrySet()) if (p.getValue().equals(rest)) return "${" + p.getKey() + "}";
                return "${" + logical(rest, "AWS::SecretsManager::Secret", resources) + "}";
            case "event-source-mapping":
                return "arn:${AWS::Partition}:lambda:${AWS::Region}:${AWS::AccountId}:event-source-mapping:${"
                        + logical(rest, "AWS::Lambda::EventSourceMapping", resources) + "}";
            case "function":
                return "${" + logical(rest, "AWS::Lambda::Function", resources) + ".Arn}";
            default:
                return recorded;
        }
    }
}
