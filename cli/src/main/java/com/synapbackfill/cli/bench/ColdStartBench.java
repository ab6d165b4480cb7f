package com.synapbackfill.cli.bench;

import com.synapbackfill.cli.LocalDeployment;
import com.synapbackfill.embedded.RealParts;
import com.synapbackfill.emulator.EmulatorSettings;
import com.synapbackfill.emulator.SynapEmulator;
import java.io.File;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** {@code bench --only coldstart}: JVM start to first handled event for each function, plain, with AppCDS, and primed; the shaded jars' size. */
final class ColdStartBench {
    private final BenchParts parts;

    ColdStartBench(BenchParts parts) {
        this.parts = parts;
    }

    // ------------------------------------------------------------------ 4. cold start

    void run() throws Exception {
        try (SynapEmulator emulator = SynapEmulator.start(EmulatorSettings.builder().build())) {
            LocalDeployment d = LocalDeployment.create("bench-cold", RealParts.dynamo(), RealParts.sqs(), RealParts.s3(),
                    parts.env(emulator, "bench_cold"));
            String classes = probeJar(locate(ColdStartProbe.class));
            for (String fn : List.of("worker", "planner")) {
                File jar = new File(fn + "/target/" + fn + "-lambda.jar");
                if (!jar.exists()) {
                    parts.record("cold_start_" + fn, Map.of(), Map.of(), "jar missing: run mvn package", "<= 1.0 s, <= 20 MB", false);
                    continue;
                }
                long[] plain = probe(d, jar, classes, fn, List.of(), false);
                // AppCDS (#21): one training run dumps the classes it loaded into an archive, later JVMs map it
                File archive = new File("target/bench/" + fn + "-appcds.jsa");
                archive.getParentFile().mkdirs();
                archive.delete();
                probeOnce(d, jar, classes, fn, List.of("-XX:ArchiveClassesAtExit=" + archive.getPath()), false);
                long[] cds = archive.exists() ? probe(d, jar, classes, fn, List.of("-XX:SharedArchiveFile=" + archive.getPath(), "-Xshare:auto"), false)
                        : new long[] {-1, -1};
                // SnapStart-style priming, measured apart: the SnapStart hooks run as a checkpoint and restore would,
                // then the first event's own time (what a restored function spends after its snapshot is mapped)
                long[] primed = probe(d, jar, classes, fn, List.of(), true);
                double mb = jar.length() / 1e6;
                boolean pass = mb <= 20 && (cds[0] >= 0 ? cds[0] : plain[0]) <= 600;
                parts.record("cold_start_" + fn, Map.of("jvms", 5, "flags", "-XX:+TieredCompilation -XX:TieredStopAtLevel=1"),
                        Map.of("medianToFirstEventMs", plain[0], "medianInitMs", plain[1], "appCdsMedianToFirstEventMs", cds[0],
                                "appCdsMedianInitMs", cds[1], "jarMB", BenchParts.round(mb), "medianFirstEventMs", plain[2],
                                "primedMedianFirstEventMs", primed[2], "primedMedianPrimingMs", primed[3]),
                        String.format("%d ms to first event (init %d), with AppCDS %d ms (init %d); first event alone %d ms, "
                                        + "after SnapStart priming %d ms; jar %.1f MB", plain[0], plain[1], cds[0], cds[1], plain[2], primed[2], mb),
                        "<= 600 ms, <= 20 MB", pass);
            }
        }
    }

    /**
     * Medians of 5 fresh JVMs: {ms to the first handled event, ms to the handler built, ms of the first event alone,
     * ms of the priming (0 unless {@code primed})}.
     */
    private static long[] probe(LocalDeployment d, File jar, String classes, String fn, List<String> flags, boolean primed) throws Exception {
        List<List<Long>> figures = List.of(new ArrayList<>(), new ArrayList<>(), new ArrayList<>(), new ArrayList<>());
        for (int i = 0; i < 5; i++) {
            long[] one = probeOnce(d, jar, classes, fn, flags, primed);
            for (int k = 0; k < 4; k++) figures.get(k).add(one[k]);
        }
        long[] medians = new long[4];
        for (int k = 0; k < 4; k++) {
            figures.get(k).sort(Long::compare);
            medians[k] = figures.get(k).get(2);
        }
        return medians;
    }

    private static long[] probeOnce(LocalDeployment d, File jar, String classes, String fn, List<String> flags, boolean primed) throws Exception {
        List<String> cmd = new ArrayList<>(List.of("java", "-XX:+TieredCompilation", "-XX:TieredStopAtLevel=1"));
        cmd.addAll(flags);
        cmd.addAll(List.of("-cp", jar.getPath() + File.pathSeparator + classes, ColdStartProbe.class.getName(), fn));
        if (primed) cmd.add("primed");
        ProcessBuilder pb = new ProcessBuilder(cmd);
        pb.environment().putAll(d.env());
        pb.environment().put("AWS_REGION", "us-east-1");
        pb.environment().put("AWS_ACCESS_KEY_ID", "local");
        pb.environment().put("AWS_SECRET_ACCESS_KEY", "local");
        pb.environment().put("LOG_LEVEL", "WARN");
        pb.redirectErrorStream(true);
        Process p = pb.start();
        String output = new String(p.getInputStream().readAllBytes());
        p.waitFor();
        String line = output.lines().filter(l -> l.startsWith("COLD_START_MS")).findFirst()
                .orElseThrow(() -> new IllegalStateException(fn + " probe failed:\n" + output));
        String[] parts = line.split(" ");
        return new long[] {Long.parseLong(parts[2]), Long.parseLong(parts[1]), Long.parseLong(parts[3]), Long.parseLong(parts[4])};
    }

    /**
     * The probe and LocalContext alone in target/bench/probe.jar: the CLI's jar names a lib directory in its
     * manifest, and a class-data archive cannot be built over a classpath with a non-empty directory.
     */
    private static String probeJar(String cliJar) throws Exception {
        File out = new File("target/bench/probe.jar");
        out.getParentFile().mkdirs();
        try (var in = new java.util.jar.JarFile(cliJar);
             var jar = new java.util.jar.JarOutputStream(new java.io.FileOutputStream(out))) {
            for (var e : java.util.Collections.list(in.entries())) {
                String n = e.getName();
                if (n.startsWith("com/synapbackfill/cli/bench/ColdStartProbe") || n.startsWith("com/synapbackfill/cli/LocalContext")) {
                    jar.putNextEntry(new java.util.jar.JarEntry(n));
                    try (var is = in.getInputStream(e)) {
                        is.transferTo(jar);
                    }
                    jar.closeEntry();
                }
            }
        }
        return out.getPath();
    }

    private static String locate(Class<?> c) throws Exception {
        return new File(c.getProtectionDomain().getCodeSource().getLocation().toURI()).getPath();
    }
}
