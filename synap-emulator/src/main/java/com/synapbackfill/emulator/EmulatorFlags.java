package com.synapbackfill.emulator;

import java.time.Duration;

/** Parses the emulator's command-line flags into {@link EmulatorSettings}. Also used by {@code backfill emulator}. */
public final class EmulatorFlags {
    private EmulatorFlags() {
    }

    /** Thrown for {@code --help}. */
    public static final class HelpRequested extends RuntimeException {
        HelpRequested() {
            super("help", null, false, false);
        }
    }

    public static String usage() {
        return """
                Usage: synap-emulator [flags]
                  --port N                  port on 127.0.0.1 (default 8080; 0 = any free port)
                  --api-key KEY             accepted API key (default synap_emulator_key)
                  --b2b                     the key's Instance is B2B (user_id without customer_id is refused)
                  --isolation b2c|b2b|unreported  what whoami reports as user_context_isolation: b2c (equals_customer:
                                            a customer_id is refused), b2b (strict), unreported (default: an older server)
                  --credits N               the client's credit balance; accepted documents consume it (default: credits
                                            not modelled, the credit calls answer 404)
                  --credit-cost X           credits per accepted document (default 1)
                  --overages on|off         past zero: on (default) the balance goes negative, as a paid plan allowing
                                            overage; off answers 402 insufficient_credits (overages_disabled)
                  --max-batch N             max documents per batch call (default 100)
                  --max-document-bytes N    max UTF-8 size of one document (default 262144)
                  --rate-limit N            per-Instance requests per minute, 0 = unlimited (default 600)
                  --rate-unit call|document what the limit counts (default call)
                  --burst N                 limiter burst (default rate/12)
                  --duplicates item-failure|conflict|upsert   duplicate document_id policy (default item-failure)
                  --latency-p50-ms N        median latency (default 0)
                  --latency-p95-ms N        95th percentile latency (default = p50)
                  --faults                  typical fault mix: 10% 503, 2% dropped, 2% accept-then-slow, 429 bursts, spikes
                  --seed N                  fault/latency/extraction seed (default 42)
                  --processing-ms N         mean time from accepted to a terminal extraction status (default 0)
                  --failed-share X          share of documents whose extraction fails, 0..1 (default 0)
                  --partial-share X         share that ends partial_success, 0..1 (default 0)
                  --refuse TEXT             refuse, per item, every document whose text contains TEXT
                  --lie MODE[,MODE]         a Synap that lies (tests of the client): reversed-results, foreign-ids,
                                            duplicate-wording, short-results, html-200, huge-retry-after
                  --lie-every N             the call-bound lies (foreign-ids, short-results, html-200,
                                            huge-retry-after) on every N-th batch call (default 2)
                """;
    }

    public static EmulatorSettings parse(String[] args) {
        Given g = new Given();
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            if (a.equals("--help") || a.equals("-h")) throw new HelpRequested();
            if (a.equals("--b2b")) { g.isolation = EmulatorSettings.Isolation.B2B; continue; }
            if (a.equals("--faults")) { g.b.faults(EmulatorSettings.Faults.TYPICAL); continue; }
            if (i + 1 >= args.length) throw new IllegalArgumentException(a + " needs a value");
            String v = args[++i];
            try {
                g.take(a, v);
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException(a + ": not a number: " + v);
            }
        }
        EmulatorSettings.Builder b = g.b;
        b.lies(new EmulatorSettings.Lies(g.refuse, g.lies, g.lieEvery));
        b.latency(g.p50, g.p95 == null ? g.p50 : g.p95);
        b.extraction(new EmulatorSettings.Extraction(g.processing, g.failed, g.partial));
        if (g.credits != null) b.credits(new EmulatorSettings.Credits(g.credits, g.creditCost, g.overages));
        EmulatorSettings.Instance inst = new EmulatorSettings.Instance("cli_0123456789abcdef", "inst_0123456789abcdef", g.isolation);
        b.onlyApiKey(g.apiKey == null ? EmulatorSettings.DEFAULT_API_KEY : g.apiKey, inst);
        return b.build();
    }

    /** The flags given so far: most straight into the builder, the rest kept until they combine. */
    private static final class Given {
        final EmulatorSettings.Builder b = EmulatorSettings.builder().port(8080);
        String apiKey;
        EmulatorSettings.Isolation isolation = EmulatorSettings.Isolation.UNREPORTED;
        Double credits;
        double creditCost = 1;
        boolean overages = true;
        Duration p50 = Duration.ZERO;
        Duration p95;
        Duration processing = Duration.ZERO;
        double failed;
        double partial;
        String refuse;
        java.util.Set<EmulatorSettings.Lie> lies = java.util.EnumSet.noneOf(EmulatorSettings.Lie.class);
        int lieEvery = 2;

        /** One flag with its value; an unknown flag or a bad value is an error naming it. */
        void take(String a, String v) {
            switch (a) {
                case "--port" -> b.port(Integer.parseInt(v));
                case "--api-key" -> apiKey = v;
                case "--max-batch" -> b.maxDocumentsPerBatch(Integer.parseInt(v));
                case "--max-document-bytes" -> b.maxDocumentBytes(Integer.parseInt(v));
                case "--rate-limit" -> b.rateLimitPerMinute(Integer.parseInt(v));
                case "--rate-unit" -> b.rateLimitUnit(EmulatorSettings.RateLimitUnit.valueOf(v.toUpperCase()));
                case "--burst" -> b.burst(Integer.parseInt(v));
                case "--duplicates" -> b.duplicatePolicy(EmulatorSettings.DuplicatePolicy.valueOf(v.toUpperCase().replace('-', '_')));
                case "--latency-p50-ms" -> p50 = Duration.ofMillis(Long.parseLong(v));
                case "--latency-p95-ms" -> p95 = Duration.ofMillis(Long.parseLong(v));
                case "--seed" -> b.seed(Long.parseLong(v));
                case "--processing-ms" -> processing = Duration.ofMillis(Long.parseLong(v));
                case "--failed-share" -> failed = Double.parseDouble(v);
                case "--partial-share" -> partial = Double.parseDouble(v);
                case "--isolation" -> {
                    try {
                        isolation = EmulatorSettings.Isolation.valueOf(v.toUpperCase());
                    } catch (IllegalArgumentException e) {
                        throw new IllegalArgumentException("--isolation: must be b2c, b2b or unreported, was " + v);
                    }
                }
                case "--credits" -> credits = Double.parseDouble(v);
                case "--credit-cost" -> creditCost = Double.parseDouble(v);
                case "--overages" -> {
                    if (!v.equals("on") && !v.equals("off")) throw new IllegalArgumentException("--overages: must be on or off, was " + v);
                    overages = v.equals("on");
                }
                case "--refuse" -> refuse = v;
                case "--lie-every" -> lieEvery = Integer.parseInt(v);
                case "--lie" -> {
                    for (String mode : v.split(",")) {
                        EmulatorSettings.Lie lie = java.util.Arrays.stream(EmulatorSettings.Lie.values()).filter(l -> l.flag().equals(mode.trim()))
                                .findFirst().orElseThrow(() -> new IllegalArgumentException("--lie: unknown mode \"" + mode.trim() + "\"; modes: "
                                        + java.util.Arrays.stream(EmulatorSettings.Lie.values()).map(EmulatorSettings.Lie::flag).toList()));
                        lies.add(lie);
                    }
                }
                default -> throw new IllegalArgumentException("unknown flag " + a);
            }
        }
    }
}
