package com.synapbackfill.cli;

import com.synapbackfill.report.ReportStore;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;
import software.amazon.awssdk.core.interceptor.Context;
import software.amazon.awssdk.core.interceptor.ExecutionAttributes;
import software.amazon.awssdk.core.interceptor.ExecutionInterceptor;

/**
 * The disk under {@code --state-dir}, where a local run writes its ledger (DynamoDB Local's SQLite file) and its reports and
 * receipts. Two things it answers: whether a run about to start has room for what it will write (checked before anything
 * is sent), and whether a write that failed, failed for lack of space.
 *
 * <p>DynamoDB Local says nothing of a full disk: SQLite's {@code [13] database or disk is full} stays in its own log, and the
 * caller gets a 500 {@code InternalFailure} ("The request processing has failed because of an unknown error, exception or
 * failure."), which the SDK retries and the ledger takes for a passing fault — so the run stayed RUNNING at 0 rows for as
 * long as anyone waited. A 500 from the local ledger, or a report write that fails, while the state directory's disk has
 * less than {@link #LOW_BYTES} left is taken for what it is: no space. The probe of free space is a seam ({@link FreeSpace})
 * so that tests can say "nearly full" without filling a disk; {@code StateDirFullIT} fills a real one (a small tmpfs).
 */
final class StateSpace {
    /** Below this much free space a failed write is a full disk: SQLite needs room for its journal and a few pages. */
    static final long LOW_BYTES = 16L << 20;
    /** What any local run writes whatever its size: DynamoDB Local's tables and journal, the report page, the run's files. */
    static final long BASE_BYTES = 8L << 20;
    /**
     * What a local run writes per source row, measured and then doubled: 20,000 rows wrote 0.98 MB (49 bytes a row: receipts
     * ~40, ledger items ~8); with 9 % bad rows 3.3 MB (each failure ~950 bytes in the ledger, ~360 in failures.jsonl).
     * 128 bytes a row covers a run whose failures stay under about 5 %.
     */
    static final long BYTES_PER_ROW = 128;

    /** How much room is left where a directory is (the file store's usable space). */
    interface FreeSpace {
        long usableBytes(Path dir) throws IOException;

        FreeSpace REAL = dir -> Files.getFileStore(dir).getUsableSpace();
    }

    /** The last state directory found full in this process, for the exit code of a command that met it. */
    private static final AtomicReference<StateSpace> LAST_FULL = new AtomicReference<>();

    private final Path dir;
    private final FreeSpace probe;
    private final AtomicReference<String> full = new AtomicReference<>();

    StateSpace(Path dir, FreeSpace probe) {
        this.dir = dir.toAbsolutePath();
        this.probe = probe;
        LAST_FULL.set(null); // a command opens one state directory: what an earlier one met is not this one's
    }

    /** Free bytes under the state directory; -1 when the probe cannot tell. */
    long freeBytes() {
        try {
            return probe.usableBytes(dir);
        } catch (IOException | RuntimeException e) {
            return -1;
        }
    }

    /** What a run of {@code rows} more source rows writes under the state directory, about. */
    static long estimateBytes(long rows) {
        return BASE_BYTES + Math.max(0, rows) * BYTES_PER_ROW;
    }

    /**
     * Before a run works: refuses ({@link NoSpaceException}, nothing sent) when the directory has less room than a run of
     * {@code rows} rows writes; a note when it has less than twice that. Null when there is plenty.
     */
    String checkRoomFor(long rows) {
        long free = freeBytes();
        if (free < 0) return null;
        long need = estimateBytes(rows);
        if (free < need)
            throw new NoSpaceException("not enough space under " + dir + ": " + mb(free) + " MB free, and this run writes about " + mb(need)
                    + " MB there (its ledger, receipts and failures for ~" + String.format(Locale.ROOT, "%,d", rows) + " rows); nothing was "
                    + "sent. Free space, or give another --state-dir (a new one starts an empty ledger: keep this one for the runs it holds)");
        if (free < 2 * need)
            return "Note: " + dir + " has " + mb(free) + " MB free and this run writes about " + mb(need) + " MB there; if the disk fills, "
                    + "the run stops saying so, and the same command continues it";
        return null;
    }

    /**
     * A write under the state directory failed: when the disk is all but full, that is the reason, and the run is told to
     * stop. Returns whether the directory is now known to be full.
     */
    boolean failedWrite() {
        if (full.get() != null) return true;
        long free = freeBytes();
        if (free < 0 || free >= LOW_BYTES) return false;
        if (full.compareAndSet(null, "no space left under " + dir + ": " + mb(free) + " MB free; nothing lost, free space and run the same command"))
            LAST_FULL.set(this);
        return true;
    }

    /** Whether a write failed for lack of space. */
    boolean full() {
        return full.get() != null;
    }

    /** {@code no space left under STATE_DIR: N MB free; nothing lost, free space and run the same command}, or null. */
    String message() {
        return full.get();
    }

    /** The message of the last state directory found full in this process, if any (a command's exit code reads it). */
    static Optional<String> lastFull() {
        StateSpace s = LAST_FULL.get();
        return s == null ? Optional.empty() : Optional.ofNullable(s.message());
    }

    /**
     * Whether {@code e}, met by a command, is what a full state directory made of a write: a ledger call that failed (the SDK's
     * or the ledger's transient error) or a file that could not be written, while a state directory was found full.
     */
    static Optional<String> explains(Throwable e) {
        boolean write = e instanceof com.synapbackfill.error.RetryableException || e instanceof UncheckedIOException
                || e instanceof software.amazon.awssdk.core.exception.SdkException;
        return write ? lastFull() : Optional.empty();
    }

    /** Watches the local ledger's calls: a 5xx answer (DynamoDB Local's 500 for SQLite's "disk is full") asks the disk. */
    ExecutionInterceptor ledgerWatch() {
        return new ExecutionInterceptor() {
            @Override
            public void afterTransmission(Context.AfterTransmission context, ExecutionAttributes attributes) {
                if (context.httpResponse().statusCode() >= 500) failedWrite();
            }
        };
    }

    /** Reports and receipts under the state directory: a write that fails asks the disk first. */
    ReportStore guard(ReportStore store) {
        return new ReportStore() {
            @Override
            public String put(String key, byte[] content, String contentType) {
                try {
                    return store.put(key, content, contentType);
                } catch (UncheckedIOException e) {
                    failedWrite();
                    throw e;
                }
            }

            @Override
            public Optional<byte[]> get(String key) {
                return store.get(key);
            }

            @Override
            public java.util.List<String> list(String prefix) {
                return store.list(prefix);
            }

            @Override
            public String location(String key) {
                return store.location(key);
            }
        };
    }

    private static String mb(long bytes) {
        return String.format(Locale.ROOT, "%,d", Math.max(0, bytes) >> 20);
    }

    /** The state directory has no room: exit {@link BackfillCommand#NO_SPACE}, the message as it is. */
    static final class NoSpaceException extends RuntimeException {
        NoSpaceException(String message) {
            super(message);
        }
    }
}
