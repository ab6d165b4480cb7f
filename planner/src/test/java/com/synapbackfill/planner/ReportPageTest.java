package com.synapbackfill.planner;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.synapbackfill.json.Json;
import com.synapbackfill.ledger.CallStats;
import com.synapbackfill.ledger.InMemoryLedger;
import com.synapbackfill.model.Counters;
import com.synapbackfill.model.FailureRecord;
import com.synapbackfill.model.IdType;
import com.synapbackfill.model.RunConfig;
import com.synapbackfill.model.RunState;
import com.synapbackfill.model.RunStatus;
import com.synapbackfill.model.Shard;
import com.synapbackfill.model.ShardState;
import com.synapbackfill.report.InMemoryReportStore;
import com.synapbackfill.source.SourceConfig;
import com.synapbackfill.testing.MutableClock;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.EnumSet;
import java.util.List;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** The report page's figures come from the run's minutes and agree with report.json (the browser test: ReportPageIT). */
class ReportPageTest {
    final MutableClock clock = new MutableClock(Instant.parse("2026-12-02T10:00:00Z"));
    final InMemoryLedger ledger = new InMemoryLedger(clock);
    final InMemoryReportStore store = new InMemoryReportStore();
    final PlannerService planner = new PlannerService(ledger, null, src -> null, store, ConcurrencyTuner.NONE, Optional.empty(), 1.5, clock);

    @Test
    void everyMinuteOfTheRunIsAPointAndTheTotalsAreReportJsons() {
        RunConfig config = RunConfig.builder(SourceConfig.of("turns")).build();
        long t0 = clock.millis();
        ledger.createRun(new RunState("r1", RunStatus.PLANNING, null, config, IdType.BIGINT, 300, 0, 0, Counters.ZERO, t0, t0, 0));
        ledger.putShards("r1", List.of(ShardState.pending(new Shard("r1", 0, "1", false, "150", IdType.BIGINT)),
                ShardState.pending(new Shard("r1", 1, "151", false, "300", IdType.BIGINT))), 300);
        ledger.transition("r1", EnumSet.of(RunStatus.PLANNING), RunStatus.RUNNING, null);
        ShardState s = ledger.claim("r1", 0, "w", Duration.ofMinutes(5));
        // minute 0: 100 rows, a 429 and a 503 on the way; minute 1: nothing; minute 2..3: 50 each
        s = ledger.advance(s, "100", new Counters(100, 98, 0, 2, 0, 1, 1), new CallStats(List.of(150L), 2, 1), false, Duration.ofMinutes(5));
        ledger.recordFailures(List.of(
                FailureRecord.of("r1", "d1", "7", 0, "bad_row:empty_text", 0, "<script>alert(1)</script>", t0),
                FailureRecord.of("r1", "d2", "8", 0, "item_failed", 0, "refused", t0)));
        clock.advance(Duration.ofMinutes(2));
        s = ledger.advance(s, "150", new Counters(50, 50, 0, 0, 0, 1, 0), new CallStats(List.of(450L), 0, 0), true, Duration.ofMinutes(5));
        clock.advance(Duration.ofMinutes(1));
        ShardState s1 = ledger.claim("r1", 1, "w", Duration.ofMinutes(5));
        ledger.advance(s1, "200", new Counters(50, 50, 0, 0, 0, 1, 0), List.of(90L), false, Duration.ofMinutes(5));

        PlannerResults.Report r = planner.report("r1");

        assertThat(r.pageLocation()).endsWith("runs/r1/report.html");
        String page = new String(store.get("runs/r1/report.html").orElseThrow(), StandardCharsets.UTF_8);
        JsonNode json = Json.read(new String(store.get("runs/r1/report.json").orElseThrow(), StandardCharsets.UTF_8), JsonNode.class);
        // four minutes from the run's creation to now, one point each, the quiet minute a zero
        assertThat(attr(page, "data-chart=\"throughput\" data-points")).isEqualTo("4");
        assertThat(json.path("minutes").path("handled").toString()).isEqualTo("[100,0,50,50]");
        assertThat(json.path("minutes").path("secondsCovered").toString()).as("the last minute has just begun").isEqualTo("[60,60,60,1]");
        assertThat(json.path("minutes").path("throttled").toString()).isEqualTo("[1,0,0,0]");
        assertThat(json.path("minutes").path("serverErrors").toString()).isEqualTo("[1,0,0,0]");
        assertThat(json.path("minutes").path("retries").toString()).isEqualTo("[2,0,0,0]");
        assertThat(json.path("minutes").path("latencyP95Millis").toString()).isEqualTo("[200,0,600,100]");
        // latency is drawn only for minutes with calls
        assertThat(page).contains("data-series=\"p95\" data-points=\"3\"");
        // totals as report.json counts them
        for (String k : List.of("rowsRead", "accepted", "failed", "calls", "throttled"))
            assertThat(attr(page, "data-total=\"" + k + "\" data-value")).as(k).isEqualTo(json.path("counts").path(k).asText());
        assertThat(page).contains("data-class=\"bad_row:empty_text\" data-count=\"1\"", "data-class=\"item_failed\" data-count=\"1\"");
        assertThat(page).contains("data-chart=\"shards\" data-points=\"2\"", "data-shard=\"0\" data-rows=\"150\"", "data-shard=\"1\" data-rows=\"50\"");
        assertThat(page).contains("data-invariant=\"true\"", "data-verify=\"none\"");
        // nothing fetched: no script, no external reference, and a policy that forbids it
        assertThat(page).doesNotContain("<script", "src=", "href=", "@import", "url(");
        assertThat(page).contains("Content-Security-Policy\" content=\"default-src 'none'");
    }

    @Test
    void aVerifyOutcomeAndHostileTextAreShownEscaped() {
        RunConfig config = RunConfig.builder(SourceConfig.of("turns")).build();
        long t0 = clock.millis();
        ledger.createRun(new RunState("r2", RunStatus.PLANNING, null, config, IdType.BIGINT, 10, 0, 0, Counters.ZERO, t0, t0, 0));
        ledger.putShards("r2", List.of(ShardState.pending(new Shard("r2", 0, "1", false, "10", IdType.BIGINT))), 10);
        ledger.transition("r2", EnumSet.of(RunStatus.PLANNING), RunStatus.FAILED, "source said <b>no</b> & \"stop\"");
        ledger.recordFailures(List.of(FailureRecord.of("r2", "d1", "7", 0, "x\"><img src=y>", 0, "m", t0)));
        store.put("runs/r2/verify.json", ("{\"runId\":\"r2\",\"population\":9,\"sampled\":9,\"byStatus\":{\"completed\":8,\"failed\":1},"
                + "\"estimatedFailedShare\":0.111,\"ci95\":{\"low\":0.02,\"high\":0.43},\"checkedAt\":\"2026-12-02T10:05:00Z\"}")
                .getBytes(StandardCharsets.UTF_8), "application/json");

        planner.report("r2");

        String page = new String(store.get("runs/r2/report.html").orElseThrow(), StandardCharsets.UTF_8);
        assertThat(page).contains("source said &lt;b&gt;no&lt;/b&gt; &amp; &quot;stop&quot;", "x&quot;&gt;&lt;img src=y&gt;")
                .doesNotContain("<img", "<b>no");
        assertThat(page).contains("data-verify=\"9\"", "completed 8, failed 1", "11.1 %", "data-points=\"1\"");
        assertThat(page).contains("data-chart=\"latency\"").contains("data-series=\"p50\" data-points=\"0\"");
    }

    @Test
    void controlCharactersInTheReasonAndAFailuresClassAreShownAsEscapesNotRaw() {
        RunConfig config = RunConfig.builder(SourceConfig.of("turns")).build();
        long t0 = clock.millis();
        String hostile = "\u001b]0;pwned\u0007\n Run FAKE: 0 failures \u202e<i>";
        ledger.createRun(new RunState("r3", RunStatus.PLANNING, null, config, IdType.BIGINT, 10, 0, 0, Counters.ZERO, t0, t0, 0));
        ledger.putShards("r3", List.of(ShardState.pending(new Shard("r3", 0, "1", false, "10", IdType.BIGINT))), 10);
        ledger.transition("r3", EnumSet.of(RunStatus.PLANNING), RunStatus.BLOCKED, "Synap refused the key: " + hostile);
        ledger.recordFailures(List.of(FailureRecord.of("r3", "d1", "7", 0, "item_failed:" + hostile, 0, "m", t0)));

        planner.report("r3");

        String page = new String(store.get("runs/r3/report.html").orElseThrow(), StandardCharsets.UTF_8);
        assertThat(page).doesNotContain("\u001b", "\u0007", "\u202e", "<i>")
                .contains("Synap refused the key: \\u001b]0;pwned\\u0007\\n Run FAKE: 0 failures \\u202e&lt;i&gt;")
                .contains("data-class=\"item_failed:\\u001b]0;pwned\\u0007\\n Run FAKE");
    }

    @Test
    void aRunLongerThanADayIsDrawnAtMostMaxPointsEachSeveralMinutes() {
        long[] minutes = new long[3000];
        java.util.Arrays.fill(minutes, 60);
        long[] g = ReportPage.group(minutes, 3, false);
        assertThat(g).hasSize(1000).containsOnly(180);
        assertThat(ReportPage.group(new long[] {1, 5, 2, 4}, 2, true)).containsExactly(5, 4);
        assertThat(ReportPage.nice(0)).isEqualTo(1);
        assertThat(ReportPage.nice(870)).isEqualTo(1000);
        assertThat(ReportPage.nice(1001)).isEqualTo(2000);
        assertThat(ReportPage.nice(2.2)).isEqualTo(2.5);
    }

    static String attr(String page, String prefix) {
        Matcher m = Pattern.compile(Pattern.quote(prefix) + "=\"([^\"]*)\"").matcher(page);
        assertThat(m.find()).as(prefix + " in the page").isTrue();
        return m.group(1);
    }
}
