package com.synapbackfill.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.synapbackfill.report.ReportStore;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/**
 * The state directory's disk through its seam, a free-space probe a test sets: the check before a run, and a failed write
 * told apart as "no space" only when the disk is all but full. StateDirFullIT does the same on a real full filesystem.
 */
class StateSpaceTest {
    static final long MB = 1L << 20;
    final AtomicLong free = new AtomicLong(10_000 * MB);
    final Path dir = Path.of("/srv/backfill-state");
    final StateSpace space = new StateSpace(dir, d -> free.get());

    @org.junit.jupiter.api.AfterEach
    void forget() {
        new StateSpace(dir, d -> free.get()); // what this test found full is no other test's business
    }

    @Test
    void aRunThatWouldNotFitIsRefusedBeforeAnythingIsSentNamingBothFigures() {
        assertThat(space.checkRoomFor(1_000_000)).as("10 GB for a million rows").isNull();
        free.set(100 * MB);
        assertThat(space.checkRoomFor(500_000)).as("70 MB of 100: said, not refused")
                .isEqualTo("Note: /srv/backfill-state has 100 MB free and this run writes about 69 MB there; if the disk fills, the run "
                        + "stops saying so, and the same command continues it");
        assertThatThrownBy(() -> space.checkRoomFor(1_000_000)).isInstanceOf(StateSpace.NoSpaceException.class)
                .hasMessage("not enough space under /srv/backfill-state: 100 MB free, and this run writes about 130 MB there (its ledger, "
                        + "receipts and failures for ~1,000,000 rows); nothing was sent. Free space, or give another --state-dir (a new one "
                        + "starts an empty ledger: keep this one for the runs it holds)");
        assertThat(space.full()).as("a refusal is not a full disk").isFalse();
    }

    @Test
    void aFailedLedgerWriteIsNoSpaceOnlyWhenTheDiskIsAllButFull() {
        assertThat(space.failedWrite()).as("a 500 with 10 GB free is some other fault").isFalse();
        assertThat(space.full()).isFalse();
        free.set(3 * MB);
        assertThat(space.failedWrite()).isTrue();
        assertThat(space.message()).isEqualTo("no space left under /srv/backfill-state: 3 MB free; nothing lost, free space and run the same command");
        assertThat(StateSpace.lastFull()).contains(space.message());
        assertThat(StateSpace.explains(new com.synapbackfill.error.RetryableException("ledger_unavailable", "DynamoDB: The request processing "
                + "has failed because of an unknown error, exception or failure.", 500, null, null))).contains(space.message());
        assertThat(StateSpace.explains(new IllegalArgumentException("--concurrency: must be 1..1000"))).as("a setting is a setting").isEmpty();
        free.set(10_000 * MB);
        assertThat(space.full()).as("once full, the run stops; the next command looks again").isTrue();
    }

    @Test
    void aReportWriteThatFailsOnAFullDiskIsNoSpace() {
        // a store whose every write fails as a file store's does when the disk is full (ENOSPC)
        ReportStore failing = new ReportStore() {
            @Override
            public String location(String key) {
                return dir.resolve(key).toString();
            }

            @Override
            public String put(String key, byte[] content, String contentType) {
                throw new UncheckedIOException(new java.io.IOException("No space left on device"));
            }

            @Override
            public java.util.Optional<byte[]> get(String key) {
                return java.util.Optional.empty();
            }

            @Override
            public java.util.List<String> list(String prefix) {
                return java.util.List.of();
            }
        };
        ReportStore guarded = space.guard(failing);
        assertThatThrownBy(() -> guarded.put("runs/r1/report.json", new byte[] {1}, "application/json")).isInstanceOf(UncheckedIOException.class);
        assertThat(space.full()).as("plenty of room: not a full disk").isFalse();
        free.set(MB / 2);
        assertThatThrownBy(() -> guarded.put("runs/r1/report.json", new byte[] {1}, "application/json")).isInstanceOf(UncheckedIOException.class);
        assertThat(space.full()).isTrue();
    }

    @Test
    void theEstimateIsABaseAndSoMuchARow() {
        assertThat(StateSpace.estimateBytes(0)).isEqualTo(StateSpace.BASE_BYTES);
        assertThat(StateSpace.estimateBytes(20_000)).isEqualTo(StateSpace.BASE_BYTES + 20_000 * 128);
    }
}
