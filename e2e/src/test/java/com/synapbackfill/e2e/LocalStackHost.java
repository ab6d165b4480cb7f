package com.synapbackfill.e2e;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.jar.Attributes;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import java.util.jar.Manifest;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * LocalStack for the tests: the one in {@code LOCALSTACK_ENDPOINT} when that is set (a running LocalStack,
 * e.g. in Docker), else LocalStack's last open-source runtime ({@code localstack-core} 2026.3.0) started here in
 * host mode, once per JVM, without Docker:
 * <ul>
 *   <li>the legacy CloudFormation engine (the v2 engine leaves {@code !Ref PlannerFunction.Alias} unresolved);</li>
 *   <li>Lambda through this project's runtime executor plugin ({@code scripts/localstack/rie-executor}): each
 *       execution environment is RIE + the Java runtime interface client on the host;</li>
 *   <li>DynamoDB offline: LocalStack would download a JDK, DynamoDB Local and an agent jar at first use; its
 *       package directory is laid out beforehand with this JDK, DynamoDB Local 3.3.1 from Maven Central (the
 *       jars the CLI ships in {@code cli/target/lib}) and a no-op agent.</li>
 * </ul>
 */
public final class LocalStackHost {
    private static String endpoint;
    private static Process process;
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
        return Tools.target().resolve("localstack").resolve("lambda-logs");
    }

    private static String start() {
        Path bin = Tools.localStackBin();
        Path home = Tools.target().resolve("localstack");
        Path root = home.resolve("fs-" + System.currentTimeMillis());
        try {
            prepareOfflinePackages(root.resolve("var/lib/localstack/lib"));
            Files.createDirectories(lambdaLogs());
            Path recorder = recorderJar();
            // this LocalStack's functions only: the calls of an earlier one's stack name resources that are gone
            if (Files.isDirectory(awsCalls())) {
                try (Stream<Path> old = Files.list(awsCalls())) {
                    for (Path f : old.toList()) Files.delete(f);
                }
            }
            Files.createDirectories(awsCalls());
            int port = Tools.freePort();
            logFile = home.resolve("localstack.log");
            ProcessBuilder pb = new ProcessBuilder(bin.resolve("python").toString(), "-m", "localstack.runtime.main")
                    .directory(home.toFile()).redirectErrorStream(true).redirectOutput(logFile.toFile());
            Map<String, String> env = pb.environment();
            env.keySet().removeIf(k -> k.startsWith("AWS_") || k.startsWith("LOCALSTACK_"));
            env.putAll(Map.ofEntries(
                    // the machine looks like a container: without this LocalStack writes to /var/lib/localstack
                    Map.entry("OVERRIDE_IN_DOCKER", "0"),
                    Map.entry("FILESYSTEM_ROOT", root.toString()),
                    Map.entry("GATEWAY_LISTEN", "127.0.0.1:" + port),
                    Map.entry("DNS_ADDRESS", "0"),
                    Map.entry("SKIP_SSL_CERT_DOWNLOAD", "1"),
                    Map.entry("DISABLE_EVENTS", "1"),
                    Map.entry("PROVIDER_OVERRIDE_CLOUDFORMATION", "engine-legacy"),
                    Map.entry("LAMBDA_RUNTIME_EXECUTOR", "synap-rie"),
                    Map.entry("SYNAP_RIE_BIN", Tools.rie().toString()),
                    Map.entry("SYNAP_RIC_CLASSPATH", Tools.ricClasspath().toString()),
                    Map.entry("SYNAP_LAMBDA_JAVA", Path.of(System.getProperty("java.home"), "bin", "java").toString()),
                    Map.entry("SYNAP_LAMBDA_LOG_DIR", lambdaLogs().toString()),
                    // every AWS call the functions make is recorded, for the IAM check (iam/aws-calls.txt, scripts/check-iam)
                    Map.entry("SYNAP_AWS_CALLS_JAR", recorder.toString()),
                    Map.entry("SYNAP_AWS_CALLS_DIR", awsCalls().toString()),
                    Map.entry("AWS_ACCESS_KEY_ID", "test"),
                    Map.entry("AWS_SECRET_ACCESS_KEY", "test"),
                    Map.entry("AWS_DEFAULT_REGION", "us-east-1")));
            process = pb.start();
            Runtime.getRuntime().addShutdownHook(new Thread(LocalStackHost::stop));
            String url = "http://127.0.0.1:" + port;
            awaitReady(url);
            return url;
        } catch (IOException e) {
            throw new IllegalStateException("LocalStack did not start: " + e + "\n" + logs(), e);
        }
    }

    private static void awaitReady(String url) {
        HttpClient http = HttpClient.newHttpClient();
        long deadline = System.nanoTime() + Duration.ofSeconds(90).toNanos();
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) throw new IllegalStateException("LocalStack exited:\n" + logs());
            try {
                HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(url + "/_localstack/health"))
                        .timeout(Duration.ofSeconds(2)).build(), HttpResponse.BodyHandlers.ofString());
                if (r.statusCode() == 200 && logs().contains("Ready.")) return;
            } catch (IOException notYet) {
                // not listening yet
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
            try {
                Thread.sleep(200);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
        }
        throw new IllegalStateException("LocalStack not ready after 90 s:\n" + logs());
    }

    /** LocalStack's package directory as its installers would leave it, from what is on this machine. */
    static void prepareOfflinePackages(Path lib) throws IOException {
        // java 21: the JDK running these tests (LocalStack only starts DynamoDB Local with it)
        Files.createDirectories(lib.resolve("java"));
        Files.createSymbolicLink(lib.resolve("java/21"), Path.of(System.getProperty("java.home")));
        Path ddb = Files.createDirectories(lib.resolve("dynamodb-local/2"));
        Files.createDirectories(ddb.resolve("DynamoDBLocal_lib"));
        Path cliLib = Tools.repo().resolve("cli/target/lib");
        List<Path> jars;
        try (Stream<Path> s = Files.list(cliLib)) {
            jars = s.filter(p -> p.toString().endsWith(".jar")).sorted().toList();
        }
        if (jars.stream().noneMatch(p -> p.getFileName().toString().startsWith("DynamoDBLocal-")))
            throw new IllegalStateException("no DynamoDBLocal jar in " + cliLib + " (mvn package the cli first)");
        // DynamoDBLocal.jar: a manifest that runs DynamoDB Local's ServerRunner on the CLI's jars
        Manifest m = new Manifest();
        m.getMainAttributes().put(Attributes.Name.MANIFEST_VERSION, "1.0");
        m.getMainAttributes().put(Attributes.Name.MAIN_CLASS, "software.amazon.dynamodb.services.local.main.ServerRunner");
        m.getMainAttributes().put(Attributes.Name.CLASS_PATH, jars.stream().map(p -> p.toUri().toString()).collect(Collectors.joining(" ")));
        try (OutputStream out = Files.newOutputStream(ddb.resolve("DynamoDBLocal.jar")); JarOutputStream jar = new JarOutputStream(out, m)) {
            jar.flush();
        }
        // the agent patch LocalStack would download: a no-op agent
        Manifest am = new Manifest();
        am.getMainAttributes().put(Attributes.Name.MANIFEST_VERSION, "1.0");
        am.getMainAttributes().put(new Attributes.Name("Premain-Class"), NoopAgent.class.getName());
        String cls = NoopAgent.class.getName().replace('.', '/') + ".class";
        try (OutputStream out = Files.newOutputStream(ddb.resolve("ddb-local-loader-0.1.jar"));
             JarOutputStream jar = new JarOutputStream(out, am);
             InputStream in = NoopAgent.class.getClassLoader().getResourceAsStream(cls)) {
            jar.putNextEntry(new JarEntry(cls));
            in.transferTo(jar);
            jar.closeEntry();
        }
    }

    static synchronized void stop() {
        if (process == null) return;
        process.descendants().forEach(ProcessHandle::destroy);
        process.destroy();
        try {
            if (!process.waitFor(10, java.util.concurrent.TimeUnit.SECONDS)) process.destroyForcibly();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        process.descendants().forEach(ProcessHandle::destroyForcibly);
        process = null;
    }
}
