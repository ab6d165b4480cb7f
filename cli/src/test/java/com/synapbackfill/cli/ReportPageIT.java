package com.synapbackfill.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.synapbackfill.embedded.RealParts;
import com.synapbackfill.embedded.SyntheticHistory;
import com.synapbackfill.emulator.EmulatorSettings;
import com.synapbackfill.emulator.SynapEmulator;
import com.synapbackfill.json.Json;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The report page as an operator opens it (#31): a local run with faults, {@code backfill report RUN --html FILE}, and the
 * file rendered by headless Chromium: the charts drew with a point per minute of the run, nothing was fetched, no script
 * error, and the figures drawn are report.json's.
 */
class ReportPageIT {
    /** What the page's DOM says, read in the browser after it rendered. */
    static final String DOM = """
            JSON.stringify({
              charts: Object.fromEntries([...document.querySelectorAll('svg[data-chart]')].map(s => [s.dataset.chart, {
                height: s.getBoundingClientRect().height,
                minutes: +(s.dataset.minutes || 0),
                lines: [...s.querySelectorAll('polyline')].map(p => ({series: p.dataset.series, points: p.points.numberOfItems})),
                bars: s.querySelectorAll('rect').length}])),
              totals: Object.fromEntries([...document.querySelectorAll('td[data-total]')].map(e => [e.dataset.total, +e.dataset.value])),
              failures: Object.fromEntries([...document.querySelectorAll('g[data-class]')].map(g => [g.dataset.class, +g.dataset.count])),
              handled: +document.querySelector('h2[data-handled]').dataset.handled,
              invariant: document.querySelector('[data-invariant]').dataset.invariant,
              verify: document.querySelector('[data-verify]').dataset.verify,
              scripts: document.scripts.length
            })""";

    @Test
    void aRunWithFaultsIsDrawnFromItsMinutesAndAgreesWithReportJson() throws Exception {
        RealParts.Postgres pg = RealParts.postgres();
        SyntheticHistory.Loaded loaded = SyntheticHistory.load(pg.jdbcUrl(), pg.user(), pg.password(), "page_turns",
                SyntheticHistory.Options.of(6_000).withBadRowsPerKind(3).withSeed(41));
        Path state = Files.createTempDirectory("report-page");
        Path page = state.resolve("r.html");
        Map<String, String> env = Map.of("SYNAP_API_KEY", EmulatorSettings.DEFAULT_API_KEY, "SOURCE_DB_PASSWORD", pg.password());
        try (SynapEmulator emulator = SynapEmulator.start(EmulatorSettings.builder().rateLimitPerMinute(0)
                .faults(EmulatorSettings.Faults.TYPICAL).seed(41).build());
             HeadlessChromium chromium = HeadlessChromium.start()) {
            CliIT.Result run = CliIT.run(env, "run", "--table", "page_turns", "--jdbc-url", pg.jdbcUrl(), "--db-user", pg.user(),
                    "--synap-url", emulator.baseUrl(), "--state-dir", state.toString(), "--run-id", "page-run", "--rate-limit", "1200",
                    "--shard-rows", "1000", "--concurrency", "3");
            assertThat(run.exit()).as(run.output()).isZero();
            assertThat(run.output()).contains("page: ").contains("report.html");
            long retriedByServer = emulator.stats().status(503) + emulator.stats().status(500);
            assertThat(retriedByServer).as("the faults reached the run").isPositive();

            CliIT.Result report = CliIT.run(env, "report", "page-run", "--state-dir", state.toString(), "--html", page.toString());
            assertThat(report.exit()).as(report.output()).isZero();
            assertThat(report.output()).contains("page written to " + page.toAbsolutePath());
            CliIT.Result status = CliIT.run(env, "status", "page-run", "--state-dir", state.toString());
            assertThat(status.output()).as("a completed run's status names its page").contains("page: ").contains("report.html");
            JsonNode json = Json.MAPPER.readTree(Files.readString(state.resolve("reports/runs/page-run/report.json")));

            String url = page.toUri().toString();
            chromium.open(url);
            JsonNode dom = Json.MAPPER.readTree(chromium.evaluate(DOM).asText());
            assertThat(chromium.errors).as("script or console errors").isEmpty();
            assertThat(chromium.requestsBeside(url)).as("requests beside the page itself").isEmpty();
            assertThat(dom.path("scripts").asInt()).isZero();

            int minutes = json.path("minutes").path("handled").size();
            assertThat(minutes).isPositive();
            JsonNode charts = dom.path("charts");
            for (String chart : List.of("throughput", "trouble", "latency", "failures", "shards"))
                assertThat(charts.path(chart).path("height").asDouble()).as(chart + " drawn").isGreaterThan(40);
            assertThat(charts.path("throughput").path("minutes").asInt()).isEqualTo(minutes);
            assertThat(charts.path("throughput").path("lines").get(0).path("points").asInt()).as("a point per minute").isEqualTo(minutes);
            for (JsonNode line : charts.path("trouble").path("lines"))
                assertThat(line.path("points").asInt()).as(line.toString()).isEqualTo(minutes);
            long minutesWithCalls = 0;
            for (JsonNode c : json.path("minutes").path("calls")) if (c.asLong() > 0) minutesWithCalls++;
            for (JsonNode line : charts.path("latency").path("lines"))
                assertThat(line.path("points").asInt()).as("latency where calls were made").isEqualTo((int) minutesWithCalls);
            assertThat(charts.path("shards").path("bars").asInt()).isEqualTo(json.path("shards").path("total").asInt()).isGreaterThan(1);

            // the figures drawn are report.json's
            JsonNode counts = json.path("counts");
            for (String k : List.of("rowsRead", "accepted", "alreadyPresent", "failed", "skipped", "calls", "throttled"))
                assertThat(dom.path("totals").path(k).asLong()).as(k).isEqualTo(counts.path(k).asLong());
            assertThat(dom.path("handled").asLong()).as("the minutes drawn add up to the rows handled")
                    .isEqualTo(counts.path("accepted").asLong() + counts.path("alreadyPresent").asLong() + counts.path("failed").asLong()
                            + counts.path("skipped").asLong());
            assertThat(dom.path("failures")).isEqualTo(json.path("failures").path("byClass"));
            assertThat(dom.path("failures").size()).as("six kinds of bad row at least").isGreaterThanOrEqualTo(6);
            assertThat(dom.path("invariant").asText()).isEqualTo("true");
            assertThat(counts.path("rowsRead").asLong()).isEqualTo(loaded.rows());
            long serverErrorsDrawn = 0;
            for (JsonNode n : json.path("minutes").path("serverErrors")) serverErrorsDrawn += n.asLong();
            assertThat(serverErrorsDrawn).as("5xx answered within calls that then succeeded").isPositive().isLessThanOrEqualTo(retriedByServer);

            Path shot = Path.of("target", "report-page.png");
            chromium.screenshot(shot, 1100);
            assertThat(Files.size(shot)).isGreaterThan(10_000);

            // the harness sees what it checks for: a page that fetches something, and one whose script throws
            Path leaky = state.resolve("leaky.html");
            Files.writeString(leaky, "<!DOCTYPE html><img src=\"http://127.0.0.1:9/x.png\"><script>throw new Error('boom')</script>");
            chromium.open(leaky.toUri().toString());
            assertThat(chromium.requestsBeside(leaky.toUri().toString())).containsExactly("http://127.0.0.1:9/x.png");
            assertThat(chromium.errors).anySatisfy(e -> assertThat(e).contains("boom"));
        }
    }
}
