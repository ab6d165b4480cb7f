package com.synapbackfill.planner;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.synapbackfill.model.RunConfig;
import com.synapbackfill.source.SourceConfig;
import java.util.List;
import java.util.Optional;

/**
 * The planner's event: {@code {"action": "start" | "resume" | "status" | "report" | "tune", ...}}. Every field
 * but {@code action} is optional; config fields override the function's environment defaults on start.
 * Unknown fields are refused (the JSON reader lists the known ones).
 */
public record PlannerRequest(Action action, String runId, SourceConfig source, Integer batchSize,
                             Integer maxBatchBytes, Integer maxDocumentBytes, Integer pageSize,
                             Integer shardTargetRows, String mode, String documentType, String documentIdTemplate,
                             Integer rateLimitPerMinute, RunConfig.RateLimitUnit rateLimitUnit,
                             Boolean requireCustomerId, Boolean apply, Boolean allowOverage, Long maxCredits) {

    /** What the planner can do. */
    public enum Action { START, RESUME, STATUS, REPORT, TUNE }

    public static final List<String> ACTIONS = List.of("start", "resume", "status", "report", "tune");

    @JsonCreator
    public PlannerRequest(@JsonProperty("action") String action, @JsonProperty("runId") String runId,
                          @JsonProperty("source") SourceConfig source, @JsonProperty("batchSize") Integer batchSize,
                          @JsonProperty("maxBatchBytes") Integer maxBatchBytes,
                          @JsonProperty("maxDocumentBytes") Integer maxDocumentBytes,
                          @JsonProperty("pageSize") Integer pageSize,
                          @JsonProperty("shardTargetRows") Integer shardTargetRows, @JsonProperty("mode") String mode,
                          @JsonProperty("documentType") String documentType,
                          @JsonProperty("documentIdTemplate") String documentIdTemplate,
                          @JsonProperty("rateLimitPerMinute") Integer rateLimitPerMinute,
                          @JsonProperty("rateLimitUnit") RunConfig.RateLimitUnit rateLimitUnit,
                          @JsonProperty("requireCustomerId") Boolean requireCustomerId,
                          @JsonProperty("apply") Boolean apply,
                          @JsonProperty("allowOverage") Boolean allowOverage,
                          @JsonProperty("maxCredits") Long maxCredits) {
        this(parse(action), runId, source, batchSize, maxBatchBytes, maxDocumentBytes, pageSize, shardTargetRows, mode,
                documentType, documentIdTemplate, rateLimitPerMinute, rateLimitUnit, requireCustomerId, apply, allowOverage, maxCredits);
    }

    /** Without the credit controls. */
    public PlannerRequest(Action action, String runId, SourceConfig source, Integer batchSize, Integer maxBatchBytes,
                          Integer maxDocumentBytes, Integer pageSize, Integer shardTargetRows, String mode, String documentType,
                          String documentIdTemplate, Integer rateLimitPerMinute, RunConfig.RateLimitUnit rateLimitUnit,
                          Boolean requireCustomerId, Boolean apply) {
        this(action, runId, source, batchSize, maxBatchBytes, maxDocumentBytes, pageSize, shardTargetRows, mode, documentType,
                documentIdTemplate, rateLimitPerMinute, rateLimitUnit, requireCustomerId, apply, null, null);
    }

    /** A resume that changes the run's credit cap (null: unchanged). */
    public static PlannerRequest resume(String runId, Long maxCredits) {
        return new PlannerRequest(Action.RESUME, runId, null, null, null, null, null, null, null, null, null, null, null, null, null,
                null, maxCredits);
    }

    private static Action parse(String action) {
        if (action == null) throw new IllegalArgumentException("action: is required, one of " + ACTIONS);
        return switch (action.trim().toLowerCase()) {
            case "start" -> Action.START;
            case "resume" -> Action.RESUME;
            case "status" -> Action.STATUS;
            case "report" -> Action.REPORT;
            case "tune" -> Action.TUNE;
            default -> throw new IllegalArgumentException("action: unknown action \"" + action + "\", allowed: " + ACTIONS);
        };
    }

    public static PlannerRequest of(Action action, String runId) {
        return new PlannerRequest(action, runId, null, null, null, null, null, null, null, null, null, null, null, null, null);
    }

    public String requireRunId() {
        if (runId == null || runId.isBlank()) throw new IllegalArgumentException("runId: is required for " + action.name().toLowerCase());
        return runId;
    }

    /** The run's config: the request's fields over {@code defaults} (which may be absent). */
    public RunConfig config(Optional<RunConfig> defaults) {
        SourceConfig src = source != null ? source : defaults.map(RunConfig::source).orElseThrow(
                () -> new IllegalArgumentException("source: is required (in the start event, or SOURCE_TABLE in the environment)"));
        RunConfig.Builder b = defaults.map(RunConfig::toBuilder).orElse(RunConfig.builder(src));
        b = copySource(b, src);
        if (batchSize != null) b.batchSize(batchSize);
        if (maxBatchBytes != null) b.maxBatchBytes(maxBatchBytes);
        if (maxDocumentBytes != null) b.maxDocumentBytes(maxDocumentBytes);
        if (pageSize != null) b.pageSize(pageSize);
        if (shardTargetRows != null) b.shardTargetRows(shardTargetRows);
        if (mode != null) b.mode(mode);
        if (documentType != null) b.documentType(documentType);
        if (documentIdTemplate != null) b.documentIdTemplate(documentIdTemplate);
        if (rateLimitPerMinute != null) b.rateLimitPerMinute(rateLimitPerMinute);
        if (rateLimitUnit != null) b.rateLimitUnit(rateLimitUnit);
        if (requireCustomerId != null) b.requireCustomerId(requireCustomerId);
        if (allowOverage != null) b.allowOverage(allowOverage);
        if (maxCredits != null) b.maxCredits(maxCredits);
        return b.build();
    }

    private static RunConfig.Builder copySource(RunConfig.Builder from, SourceConfig src) {
        RunConfig c = from.build();
        return RunConfig.builder(src).batchSize(c.batchSize()).maxBatchBytes(c.maxBatchBytes())
                .maxDocumentBytes(c.maxDocumentBytes()).pageSize(c.pageSize()).shardTargetRows(c.shardTargetRows())
                .mode(c.mode()).documentType(c.documentType()).documentIdTemplate(c.documentIdTemplate())
                .rateLimitPerMinute(c.rateLimitPerMinute()).rateLimitUnit(c.rateLimitUnit())
                .requireCustomerId(c.requireCustomerId()).allowOverage(c.allowOverage()).maxCredits(c.maxCredits());
    }
}
