package com.synapbackfill.model;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.synapbackfill.json.Json;

/**
 * The SQS message that points a worker at a shard. The ledger holds the truth (bounds, checkpoint); the
 * message only says which shard. An unknown schema version is refused loudly.
 *
 * @param schemaVersion {@link #SCHEMA_VERSION}
 * @param runId         run
 * @param shardNo       shard
 * @param continuation  0 for the first message of a shard, n for the n-th continuation after a time-budget stop
 * @param retries       how many delayed retries (after Synap or the source was unavailable) led here; optional
 */
public record ShardMessage(int schemaVersion, String runId, int shardNo, int continuation, int retries) {
    public static final int SCHEMA_VERSION = 1;
    /** Far below SQS's 256 KiB; anything larger is not ours. */
    public static final int MAX_BYTES = 4096;

    @JsonCreator
    public ShardMessage(@JsonProperty(value = "schemaVersion", required = true) int schemaVersion,
                        @JsonProperty(value = "runId", required = true) String runId,
                        @JsonProperty(value = "shardNo", required = true) int shardNo,
                        @JsonProperty("continuation") int continuation,
                        @JsonProperty("retries") int retries) {
        if (schemaVersion != SCHEMA_VERSION)
            throw new IllegalArgumentException("unsupported shard message schemaVersion " + schemaVersion + " (this worker reads " + SCHEMA_VERSION + ")");
        RunIds.requireValid(runId);
        if (shardNo < 0) throw new IllegalArgumentException("shardNo must be >= 0, was " + shardNo);
        if (continuation < 0) throw new IllegalArgumentException("continuation must be >= 0, was " + continuation);
        if (retries < 0) throw new IllegalArgumentException("retries must be >= 0, was " + retries);
        this.schemaVersion = schemaVersion;
        this.runId = runId;
        this.shardNo = shardNo;
        this.continuation = continuation;
        this.retries = retries;
    }

    /** A message without retries (most of them). */
    public ShardMessage(int schemaVersion, String runId, int shardNo, int continuation) {
        this(schemaVersion, runId, shardNo, continuation, 0);
    }

    public static ShardMessage first(String runId, int shardNo) {
        return new ShardMessage(SCHEMA_VERSION, runId, shardNo, 0, 0);
    }

    /** The continuation after a time-budget stop (progress was made: retries start over). */
    public ShardMessage next() {
        return new ShardMessage(SCHEMA_VERSION, runId, shardNo, continuation + 1, 0);
    }

    /** The delayed retry after transient trouble. */
    public ShardMessage retry() {
        return new ShardMessage(SCHEMA_VERSION, runId, shardNo, continuation, retries + 1);
    }

    public String toJson() {
        return Json.write(this);
    }

    /** Parses a message body; anything malformed, oversized or of another version is an IllegalArgumentException. */
    public static ShardMessage parse(String body) {
        if (body == null || body.isBlank()) throw new IllegalArgumentException("empty shard message");
        if (body.length() > MAX_BYTES) throw new IllegalArgumentException("shard message of " + body.length() + " chars is over " + MAX_BYTES);
        return Json.read(body, ShardMessage.class);
    }
}
