package com.synapbackfill.planner;

import com.fasterxml.jackson.databind.JsonNode;
import com.synapbackfill.model.Counters;
import com.synapbackfill.model.RunState;
import com.synapbackfill.model.ShardState;
import com.synapbackfill.model.ShardStatus;
import com.synapbackfill.text.Printable;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * A run's report page (docs/operating.md#the-report-page): one self-contained HTML file, charts drawn as inline SVG
 * from the run's minutes, no script and nothing fetched (its Content-Security-Policy forbids it), so it opens offline
 * and as an email attachment. Every figure is an element a test can read: {@code data-chart} charts with
 * {@code data-points}, {@code data-total} totals, {@code data-class} failure bars, {@code data-shard} shard bars.
 */
final class ReportPage {
    /** Above this many minutes a point stands for several (the page says how many). */
    static final int MAX_POINTS = 1440;
    private static final int W = 960, H = 230, L = 64, R = 16, T = 14, B = 30;
    private static final DateTimeFormatter HM = DateTimeFormatter.ofPattern("MM-dd HH:mm").withZone(ZoneOffset.UTC);

    record Data(RunState run, PlannerResults.Status status, RunReport.Minutes minutes, Map<String, Long> failuresByClass,
                long resolved, List<ShardState> shards, JsonNode verify, boolean invariantHolds, Instant generatedAt) {
    }

    private ReportPage() {
    }

    static String render(Data d) {
        RunState run = d.run();
        Counters c = run.counters();
        RunReport.Minutes m = d.minutes();
        int per = (int) Math.ceil(m.size() / (double) MAX_POINTS);
        StringBuilder h = new StringBuilder(32_768);
        h.append("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n")
                .append("<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'\">\n")
                .append("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n")
                .append("<title>synap-backfill run ").append(esc(run.runId())).append("</title>\n<style>").append(CSS).append("</style></head><body>\n");
        h.append("<h1>Run <code>").append(esc(run.runId())).append("</code> <span class=\"status s-").append(run.status().name())
                .append("\" data-status=\"").append(run.status().name()).append("\">").append(run.status().name()).append("</span></h1>\n");
        if (run.statusReason() != null) h.append("<p class=\"reason\">").append(esc(run.statusReason())).append("</p>\n");
        h.append("<p class=\"meta\">").append(HM.format(Instant.ofEpochMilli(run.createdAtEpochMillis()))).append(" → ")
                .append(run.completedAtEpochMillis() > 0 ? HM.format(Instant.ofEpochMilli(run.completedAtEpochMillis())) : "now")
                .append(" UTC · ").append(duration(d.status().elapsedSeconds())).append(" · ").append(num(d.status().shardsDone()))
                .append(" of ").append(num(d.status().shardsTotal())).append(" shards done · ceiling ")
                .append(fmt(run.config().ceilingDocsPerSecond())).append(" docs/s · page written ")
                .append(HM.format(d.generatedAt())).append(" UTC</p>\n");
        invariant(h, c, d.invariantHolds());
        totals(h, c, d.status());
        String every = per > 1 ? " (each point " + per + " minutes)" : "";
        double[] docsPerSecond = perSecond(group(m.handled(), per, false), group(m.seconds(), per, false));
        h.append("<h2 data-handled=\"").append(java.util.Arrays.stream(m.handled()).sum()).append("\">Documents per second")
                .append(every).append("</h2>\n");
        chart(h, "throughput", m.firstMinute(), per, List.of(new Series("handled/s", "c1", docsPerSecond, null)),
                run.config().ceilingDocsPerSecond(), "docs/s");
        h.append("<h2>429s, 5xx answers and retries per minute").append(every).append("</h2>\n");
        chart(h, "trouble", m.firstMinute(), per, List.of(
                new Series("429s", "c3", doubles(group(m.throttled(), per, false)), null),
                new Series("5xx", "c4", doubles(group(m.serverErrors(), per, false)), null),
                new Series("retries", "c2", doubles(group(m.retries(), per, false)), null)), null, "per minute");
        boolean[] called = present(group(m.calls(), per, false));
        h.append("<h2>Synap call latency, p50 and p95").append(every).append("</h2>\n");
        chart(h, "latency", m.firstMinute(), per, List.of(
                new Series("p50", "c1", doubles(group(m.p50(), per, true)), called),
                new Series("p95", "c4", doubles(group(m.p95(), per, true)), called)), null, "ms");
        failures(h, d.failuresByClass(), d.resolved());
        shards(h, d.shards(), run.estimatedRows());
        verify(h, d.verify());
        h.append("<footer>synap-backfill · report.json and failures.jsonl beside this page hold the same figures · "
                + "latency from the bucket bounds of the ledger's histogram</footer>\n</body></html>\n");
        return h.toString();
    }

    private record Series(String name, String css, double[] values, boolean[] present) {
        boolean has(int i) {
            return present == null || present[i];
        }
    }

    private static void invariant(StringBuilder h, Counters c, boolean holds) {
        h.append("<p class=\"invariant ").append(holds ? "ok" : "bad").append("\" data-invariant=\"").append(holds)
                .append("\">Invariant: source ").append(num(c.rowsRead())).append(" = accepted ").append(num(c.accepted()))
                .append(" + already present ").append(num(c.alreadyPresent())).append(" + failed ").append(num(c.failed()))
                .append(" + skipped ").append(num(c.skipped())).append(": <b>").append(holds ? "holds" : "BROKEN").append("</b></p>\n");
    }

    private static void totals(StringBuilder h, Counters c, PlannerResults.Status s) {
        h.append("<table class=\"totals\"><tr>");
        String[][] cells = {{"rowsRead", "rows read"}, {"accepted", "accepted"}, {"alreadyPresent", "already present"},
                {"failed", "failed"}, {"skipped", "skipped"}, {"calls", "calls"}, {"throttled", "429s"}};
        long[] values = {c.rowsRead(), c.accepted(), c.alreadyPresent(), c.failed(), c.skipped(), c.calls(), c.throttled()};
        for (String[] cell : cells) h.append("<th>").append(cell[1]).append("</th>");
        h.append("<th>p95 latency</th></tr><tr>");
        for (int i = 0; i < cells.length; i++)
            h.append("<td data-total=\"").append(cells[i][0]).append("\" data-value=\"").append(values[i]).append("\">")
                    .append(num(values[i])).append("</td>");
        h.append("<td>").append(num(s.latencyP95Millis())).append(" ms</td></tr></table>\n");
    }

    private static void chart(StringBuilder h, String id, long firstMinute, int per, List<Series> series, Double ceiling, String unit) {
        int n = series.get(0).values().length;
        double max = ceiling == null ? 0 : ceiling;
        for (Series s : series) for (int i = 0; i < n; i++) if (s.has(i)) max = Math.max(max, s.values()[i]);
        max = nice(max);
        int drawn = 0;
        StringBuilder lines = new StringBuilder();
        for (Series s : series) {
            List<String> pts = new ArrayList<>();
            for (int i = 0; i < n; i++) if (s.has(i)) pts.add(fmt(x(i, n)) + "," + fmt(y(s.values()[i], max)));
            drawn = Math.max(drawn, pts.size());
            lines.append("<polyline class=\"").append(s.css()).append("\" data-series=\"").append(esc(s.name()))
                    .append("\" data-points=\"").append(pts.size()).append("\" points=\"").append(String.join(" ", pts)).append("\"/>");
            if (n <= 240) for (int i = 0; i < n; i++) {
                if (!s.has(i)) continue;
                lines.append("<circle class=\"").append(s.css()).append("\" r=\"2.5\" cx=\"").append(fmt(x(i, n))).append("\" cy=\"")
                        .append(fmt(y(s.values()[i], max))).append("\"><title>").append(HM.format(minute(firstMinute + (long) i * per)))
                        .append(" ").append(esc(s.name())).append(": ").append(fmt(s.values()[i])).append("</title></circle>");
            }
        }
        h.append("<svg class=\"chart\" viewBox=\"0 0 ").append(W).append(' ').append(H).append("\" role=\"img\" data-chart=\"").append(id)
                .append("\" data-points=\"").append(drawn).append("\" data-minutes=\"").append(n * per).append("\">");
        for (int k = 0; k <= 4; k++) {
            double v = max * k / 4;
            h.append("<line class=\"grid\" x1=\"").append(L).append("\" x2=\"").append(W - R).append("\" y1=\"").append(fmt(y(v, max)))
                    .append("\" y2=\"").append(fmt(y(v, max))).append("\"/><text class=\"axis\" x=\"").append(L - 6).append("\" y=\"")
                    .append(fmt(y(v, max) + 4)).append("\" text-anchor=\"end\">").append(fmt(v)).append("</text>");
        }
        h.append("<text class=\"axis\" x=\"").append(L).append("\" y=\"").append(H - 8).append("\">")
                .append(HM.format(minute(firstMinute))).append("</text><text class=\"axis\" x=\"").append(W - R).append("\" y=\"")
                .append(H - 8).append("\" text-anchor=\"end\">").append(HM.format(minute(firstMinute + (long) (n - 1) * per)))
                .append(" UTC</text><text class=\"axis\" x=\"").append((L + W - R) / 2).append("\" y=\"").append(H - 8)
                .append("\" text-anchor=\"middle\">").append(esc(unit)).append("</text>");
        if (ceiling != null) {
            h.append("<line class=\"ceiling\" x1=\"").append(L).append("\" x2=\"").append(W - R).append("\" y1=\"").append(fmt(y(ceiling, max)))
                    .append("\" y2=\"").append(fmt(y(ceiling, max))).append("\"><title>ceiling ").append(fmt(ceiling))
                    .append(" docs/s</title></line><text class=\"axis ceil\" x=\"").append(W - R - 4).append("\" y=\"")
                    .append(fmt(y(ceiling, max) - 4)).append("\" text-anchor=\"end\">ceiling ").append(fmt(ceiling)).append("</text>");
        }
        h.append(lines).append("</svg>\n<p class=\"legend\">");
        for (Series s : series) h.append("<span class=\"key ").append(s.css()).append("\"></span>").append(esc(s.name())).append(' ');
        h.append("</p>\n");
    }

    private static void failures(StringBuilder h, Map<String, Long> byClass, long resolved) {
        long total = byClass.values().stream().mapToLong(Long::longValue).sum();
        h.append("<h2>Failures by reason</h2>\n");
        if (byClass.isEmpty()) {
            h.append("<p data-chart=\"failures\" data-total=\"0\">No failure").append(resolved > 0 ? " left (" + num(resolved)
                    + " resolved by a retry)" : "").append(".</p>\n");
            return;
        }
        long max = byClass.values().stream().mapToLong(Long::longValue).max().orElse(1);
        int rowH = 22;
        h.append("<svg class=\"chart\" viewBox=\"0 0 ").append(W).append(' ').append(byClass.size() * rowH + 8)
                .append("\" data-chart=\"failures\" data-total=\"").append(total).append("\">");
        int row = 0;
        for (Map.Entry<String, Long> e : byClass.entrySet()) {
            double w = (W - 360.0) * e.getValue() / max;
            int yy = 4 + row++ * rowH;
            h.append("<g data-class=\"").append(esc(e.getKey())).append("\" data-count=\"").append(e.getValue()).append("\">")
                    .append("<text class=\"axis\" x=\"276\" y=\"").append(yy + 15).append("\" text-anchor=\"end\">").append(esc(e.getKey()))
                    .append("</text><rect class=\"bar bad\" x=\"284\" y=\"").append(yy).append("\" height=\"").append(rowH - 6)
                    .append("\" width=\"").append(fmt(Math.max(1, w))).append("\"/><text class=\"axis\" x=\"").append(fmt(290 + w))
                    .append("\" y=\"").append(yy + 15).append("\">").append(num(e.getValue())).append("</text></g>");
        }
        h.append("</svg>\n<p class=\"legend\">").append(num(total)).append(" unresolved")
                .append(resolved > 0 ? ", " + num(resolved) + " resolved by a retry" : "")
                .append(" — every row in failures.jsonl, with its reason; <code>backfill failures RUN</code> lists them.</p>\n");
    }

    private static void shards(StringBuilder h, List<ShardState> shards, long estimatedRows) {
        h.append("<h2>Shards: rows read against the estimate</h2>\n");
        if (shards.isEmpty()) {
            h.append("<p data-chart=\"shards\" data-points=\"0\">No shard planned.</p>\n");
            return;
        }
        double estimate = estimatedRows / (double) shards.size();
        long most = shards.stream().mapToLong(s -> s.counters().rowsRead()).max().orElse(0);
        double max = nice(Math.max(estimate, most));
        double bw = (W - L - R) / (double) shards.size();
        h.append("<svg class=\"chart\" viewBox=\"0 0 ").append(W).append(' ').append(H).append("\" data-chart=\"shards\" data-points=\"")
                .append(shards.size()).append("\">");
        for (int k = 0; k <= 4; k++) {
            double v = max * k / 4;
            h.append("<line class=\"grid\" x1=\"").append(L).append("\" x2=\"").append(W - R).append("\" y1=\"").append(fmt(y(v, max)))
                    .append("\" y2=\"").append(fmt(y(v, max))).append("\"/><text class=\"axis\" x=\"").append(L - 6).append("\" y=\"")
                    .append(fmt(y(v, max) + 4)).append("\" text-anchor=\"end\">").append(fmt(v)).append("</text>");
        }
        for (int i = 0; i < shards.size(); i++) {
            ShardState s = shards.get(i);
            long rows = s.counters().rowsRead();
            String css = s.status() == ShardStatus.DONE ? "done" : s.status() == ShardStatus.IN_PROGRESS ? "busy" : "idle";
            h.append("<rect class=\"bar ").append(css).append("\" data-shard=\"").append(s.shard().shardNo()).append("\" data-rows=\"")
                    .append(rows).append("\" x=\"").append(fmt(L + i * bw + bw * 0.1)).append("\" width=\"").append(fmt(Math.max(0.5, bw * 0.8)))
                    .append("\" y=\"").append(fmt(y(rows, max))).append("\" height=\"").append(fmt(y(0, max) - y(rows, max)))
                    .append("\"><title>shard ").append(s.shard().shardNo()).append(": ").append(num(rows)).append(" rows, ")
                    .append(s.status().name()).append(", ").append(s.attempts()).append(" leases</title></rect>");
        }
        h.append("<line class=\"ceiling\" x1=\"").append(L).append("\" x2=\"").append(W - R).append("\" y1=\"").append(fmt(y(estimate, max)))
                .append("\" y2=\"").append(fmt(y(estimate, max))).append("\"/><text class=\"axis\" x=\"").append(L).append("\" y=\"")
                .append(H - 8).append("\">shard 0</text><text class=\"axis\" x=\"").append(W - R).append("\" y=\"").append(H - 8)
                .append("\" text-anchor=\"end\">shard ").append(shards.get(shards.size() - 1).shard().shardNo()).append("</text></svg>\n")
                .append("<p class=\"legend\"><span class=\"key done\"></span>done <span class=\"key busy\"></span>in progress "
                        + "<span class=\"key idle\"></span>pending · dashed: the run's estimate over its shards (")
                .append(num(Math.round(estimate))).append(" rows each)</p>\n");
    }

    private static void verify(StringBuilder h, JsonNode v) {
        h.append("<h2>Verify</h2>\n");
        if (v == null) {
            h.append("<p data-verify=\"none\">Not verified yet: <code>backfill verify RUN</code> asks Synap how a sample of the "
                    + "accepted documents' extraction ended; the page shows it when written after.</p>\n");
            return;
        }
        h.append("<p data-verify=\"").append(v.path("sampled").asLong()).append("\">").append(num(v.path("sampled").asLong()))
                .append(" of ").append(num(v.path("population").asLong())).append(" accepted documents sampled at ")
                .append(esc(v.path("checkedAt").asText(""))).append(": ");
        List<String> parts = new ArrayList<>();
        v.path("byStatus").fields().forEachRemaining(e -> parts.add(esc(e.getKey()) + " " + num(e.getValue().asLong())));
        h.append(String.join(", ", parts)).append("; failed extractions ")
                .append(fmt(100 * v.path("estimatedFailedShare").asDouble())).append(" % (95 %: ")
                .append(fmt(100 * v.path("ci95").path("low").asDouble())).append("–").append(fmt(100 * v.path("ci95").path("high").asDouble()))
                .append(" % of the run)").append(v.path("timedOut").asBoolean() ? "; some still pending when it stopped waiting" : "")
                .append(".</p>\n");
    }

    // ---------------------------------------------------------------- helpers

    static long[] group(long[] v, int per, boolean max) {
        if (per <= 1) return v;
        long[] out = new long[(v.length + per - 1) / per];
        for (int i = 0; i < v.length; i++) out[i / per] = max ? Math.max(out[i / per], v[i]) : out[i / per] + v[i];
        return out;
    }

    /** Per second of the time the run covered (its first and last minutes are partial). */
    private static double[] perSecond(long[] v, long[] seconds) {
        double[] out = new double[v.length];
        for (int i = 0; i < v.length; i++) out[i] = v[i] / (double) Math.max(1, seconds[i]);
        return out;
    }

    private static double[] doubles(long[] v) {
        double[] out = new double[v.length];
        for (int i = 0; i < v.length; i++) out[i] = v[i];
        return out;
    }

    private static boolean[] present(long[] calls) {
        boolean[] out = new boolean[calls.length];
        for (int i = 0; i < calls.length; i++) out[i] = calls[i] > 0;
        return out;
    }

    private static double x(int i, int n) {
        return n <= 1 ? (L + W - R) / 2.0 : L + i * (W - L - R) / (double) (n - 1);
    }

    private static double y(double v, double max) {
        return T + (H - T - B) * (1 - (max <= 0 ? 0 : v / max));
    }

    /** 1, 2, 2.5 or 5 times a power of ten at or above {@code v} (1 for nothing). */
    static double nice(double v) {
        if (v <= 0) return 1;
        double p = Math.pow(10, Math.floor(Math.log10(v)));
        for (double f : new double[] {1, 2, 2.5, 5, 10}) if (f * p >= v) return f * p;
        return 10 * p;
    }

    private static Instant minute(long m) {
        return Instant.ofEpochSecond(m * 60);
    }

    private static String duration(long s) {
        return s >= 3600 ? s / 3600 + " h " + (s % 3600) / 60 + " min" : s >= 60 ? s / 60 + " min " + s % 60 + " s" : s + " s";
    }

    private static String num(long v) {
        return String.format(Locale.ROOT, "%,d", v);
    }

    private static String fmt(double v) {
        if (v == Math.rint(v) && Math.abs(v) < 1e15) return Long.toString((long) v);
        return String.format(Locale.ROOT, "%.1f", v);
    }

    /**
     * Text for the page: control characters first shown as visible escapes ({@link Printable}: a browser would drop
     * them silently, or reorder the text around a bidi override), then HTML-escaped.
     */
    static String esc(String s) {
        if (s == null) return "";
        s = Printable.of(s);
        StringBuilder b = new StringBuilder(s.length());
        for (char ch : s.toCharArray()) {
            switch (ch) {
                case '<' -> b.append("&lt;");
                case '>' -> b.append("&gt;");
                case '&' -> b.append("&amp;");
                case '"' -> b.append("&quot;");
                case '\'' -> b.append("&#39;");
                default -> b.append(ch);
            }
        }
        return b.toString();
    }

    private static final String CSS = """
            body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,"DejaVu Sans",sans-serif;color:#1f2328;margin:24px auto;\
            max-width:1000px;padding:0 16px}h1{font-size:22px;margin:0 0 4px}h2{font-size:16px;margin:26px 0 6px}\
            code{font:13px ui-monospace,"DejaVu Sans Mono",monospace}.meta,.legend,footer{color:#57606a;font-size:13px}\
            .status{font-size:13px;padding:2px 8px;border-radius:10px;background:#ddf4ff;vertical-align:middle}\
            .s-COMPLETED{background:#dafbe1}.s-FAILED,.s-BLOCKED{background:#ffebe9}.reason{color:#cf222e}\
            .invariant{padding:8px 12px;border-radius:6px}.invariant.ok{background:#dafbe1}.invariant.bad{background:#ffebe9}\
            table.totals{border-collapse:collapse;margin:10px 0}.totals th,.totals td{border:1px solid #d0d7de;padding:4px 10px;\
            text-align:right}.totals th{background:#f6f8fa;font-weight:600}svg.chart{width:100%;height:auto;display:block}\
            .grid{stroke:#eaeef2}.axis{fill:#57606a;font-size:11px}polyline{fill:none;stroke-width:2}\
            .ceiling{stroke:#8250df;stroke-dasharray:6 4;stroke-width:1.5}.ceil{fill:#8250df}\
            polyline.c1{stroke:#0969da}circle.c1,.key.c1{fill:#0969da;background:#0969da}\
            polyline.c2{stroke:#bf8700}circle.c2,.key.c2{fill:#bf8700;background:#bf8700}\
            polyline.c3{stroke:#8250df}circle.c3,.key.c3{fill:#8250df;background:#8250df}\
            polyline.c4{stroke:#cf222e}circle.c4,.key.c4{fill:#cf222e;background:#cf222e}\
            .bar.bad{fill:#cf222e}.bar.done,.key.done{fill:#2da44e;background:#2da44e}.bar.busy,.key.busy{fill:#0969da;\
            background:#0969da}.bar.idle,.key.idle{fill:#afb8c1;background:#afb8c1}\
            .key{display:inline-block;width:10px;height:10px;border-radius:2px;margin:0 4px 0 10px}footer{margin-top:30px}""";
}
