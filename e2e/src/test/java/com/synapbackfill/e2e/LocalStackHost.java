package com.synapbackfill.e2e;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.jar.Attributes;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import java.util.jar.Manifest;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * LocalStack for the tests: the one in {@code LOCALSTACK_ENDPOINT} when that is set (a running LocalStack,
 * e.g. in Docker), else LocalStack's last open-source runtime ({@code localstack-core} 2026.3.0) in host mode, once per
 * JVM, started by {@code scripts/rehearse} as a user starts it to rehearse a deployment (docs/deploy.md): the legacy
 * CloudFormation engine, Lambda through the project's runtime executor ({@code scripts/localstack/rie-executor}), DynamoDB
 * Local laid out offline. What the tests add is theirs: a free port, the runtime interface client this module's build
 * copied, this JVM's java, the AWS-call recorder, and the JVM as its owner (the script stops LocalStack when it ends).
 */
public final class LocalStackHost {
    private static String endpoint;
    private static Path logFile;

    private LocalStackHost() {
    }

    /** True when the LocalStack in use is this project's host-mode one (with the RIE Lambda executor). */
    static boolean hostMode() {
        return System.getenv("LOCALSTACK_ENDPOINT") == null;
    }

    public static synchronized String endpoint() {
        if (endpoint != null) return endpoint;
        String given = System.getenv("LOCALSTACK_ENDPOINT");
        endpoint = given != null ? given : start();
        return endpoint;
    }

    /** What the host-mode LocalStack printed (empty for an external one). */
    static String logs() {
        try {
            return logFile == null ? "" : Files.readString(logFile);
        } catch (IOException e) {
            return "";
        }
    }

    /** Directory where the functions' AWS calls are recorded ({@code <function name>.jsonl}, by {@link com.synapbackfill.e2e.iam.AwsCallRecorder}). */
    static Path awsCalls() {
        return Tools.target().resolve("localstack").resolve("aws-calls");
    }

    /**
     * The recorder as a jar a function loads beside its own (the executor copies it into the function's {@code lib/}):
     * its classes and the SDK's global-interceptor registration, which only this jar carries.
     */
    static Path recorderJar() throws IOException {
        Path jarFile = Tools.target().resolve("localstack").resolve("aws-call-recorder.jar");
        Files.createDirectories(jarFile.getParent());
        Class<?> recorder = com.synapbackfill.e2e.iam.AwsCallRecorder.class;
        Path classes;
        try {
            classes = Path.of(recorder.getProtectionDomain().getCodeSource().getLocation().toURI());
        } catch (java.net.URISyntaxException e) {
            throw new IOException(e);
        }
        Path dir = classes.resolve(recorder.getPackageName().replace('.', '/'));
        Manifest m = new Manifest();
        m.getMainAttributes().put(Attributes.Name.MANIFEST_VERSION, "1.0");
        try (OutputStream out = Files.newOutputStream(jarFile); JarOutputStream jar = new JarOutputStream(out, m);
             Stream<Path> files = Files.list(dir)) {
            for (Path f : files.filter(p -> p.getFileName().toString().startsWith(recorder.getSimpleName())).toList()) {
                jar.putNextEntry(new JarEntry(recorder.getPackageName().replace('.', '/') + "/" + f.getFileName()));
                jar.write(Files.readAllBytes(f));
                jar.closeEntry();
            }
            jar.putNextEntry(new JarEntry("software/amazon/awssdk/global/handlers/execution.interceptors"));
            jar.write((recorder.getName() + "\n").getBytes(java.nio.charset.StandardCharsets.UTF_8));
            jar.closeEntry();
        }
        return jarFile;
    }

    /** Directory where every Lambda execution environment's output goes. */
    static Path lambdaLogs() {
        return home().resolve("lambda-logs");
    }

    /** The directory {@code scripts/rehearse} keeps this LocalStack's state, log and functions' logs in. */
    static Path home() {
        return Tools.target().resolve("localstack");
    }

    private static String start() {
        logFile = home().resolve("localstack.log");
        try {
            Path recorder = recorderJar();
            // this LocalStack's functions only: the calls of an earlier one's stack name resources that are gone
            if (Files.isDirectory(awsCalls())) {
                try (Stream<Path> old = Files.list(awsCalls())) {
                    for (Path f : old.toList()) Files.delete(f);
                }
            }
            Files.createDirectories(awsCalls());
            // one an earlier JVM left (killed before its watchdog stopped it) is not this one's
            Tools.run(Tools.repo(), List.of(Tools.repo().resolve("scripts/rehearse").toString(), "stop"),
                    Map.of("REHEARSE_DIR", home().toString()), 60);
            Tools.Result r = Tools.run(Tools.repo(), List.of(Tools.repo().resolve("scripts/rehearse").toString(), "start"), Map.of(
                    "REHEARSE_DIR", home().toString(),
                    "REHEARSE_PORT", Integer.toString(Tools.freePort()),
                    "REHEARSE_OWNER_PID", Long.toString(ProcessHandle.current().pid()),
                    "SYNAP_RIC_CLASSPATH", Tools.ricClasspath().toString(),
                    "SYNAP_LAMBDA_JAVA", Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                    // every AWS call the functions make is recorded, for the IAM check (iam/aws-calls.txt, scripts/check-iam)
                    "SYNAP_AWS_CALLS_JAR", recorder.toString(),
                    "SYNAP_AWS_CALLS_DIR", awsCalls().toString()), 900);
            if (r.exit() != 0) throw new IllegalStateException("scripts/rehearse start failed (exit " + r.exit() + "):\n" + r.output());
            Matcher m = Pattern.compile("export AWS_ENDPOINT_URL=(\\S+)").matcher(r.stdout());
            if (!m.find()) throw new IllegalStateException("scripts/rehearse start printed no AWS_ENDPOINT_URL:\n" + r.output());
            Runtime.getRuntime().addShutdownHook(new Thread(LocalStackHost::stop));
            return m.group(1);
        } catch (IOException e) {
            throw new IllegalStateException("LocalStack did not start: " + e + "\n" + logs(), e);
        }
    }

    /** Stops this JVM's LocalStack as a user stops theirs ({@code scripts/rehearse stop}). */
    static synchronized void stop() {
        if (endpoint == null || !hostMode()) return;
        Tools.run(Tools.repo(), List.of(Tools.repo().resolve("scripts/rehearse").toString(), "stop"),
                Map.of("REHEARSE_DIR", home().toString()), 60);
        endpoint = null;
    }
}
