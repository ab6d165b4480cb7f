package com.synapbackfill.embedded;

import com.adobe.testing.s3mock.S3MockApplication;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import org.elasticmq.rest.sqs.SQSRestServer;
import org.elasticmq.rest.sqs.SQSRestServerBuilder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.dynamodb.services.local.main.ServerRunner;
import software.amazon.dynamodb.services.local.server.DynamoDBProxyServer;

/**
 * The real parts tests and the demo run against, each started in-process on a free 127.0.0.1 port at first
 * use and shared by everything in the JVM until it exits: DynamoDB Local, ElasticMQ (SQS), s3mock (S3),
 * embedded PostgreSQL, MariaDB. They speak the real wire protocols, so the AWS SDK and JDBC code under test is the
 * production code.
 */
public final class RealParts {
    private static final Logger LOG = LoggerFactory.getLogger(RealParts.class);

    private static String dynamo;
    private static String sqs;
    private static String s3;
    private static Postgres postgres;
    private static EmbeddedMariaDb mariaDb;

    private RealParts() {
    }

    /** JDBC coordinates of the embedded PostgreSQL. */
    public record Postgres(String jdbcUrl, String user, String password, EmbeddedPostgres server) {
        @Override
        public String toString() {
            return "Postgres[" + jdbcUrl + "]";
        }
    }

    // one lock per part (not the class): a demo starts them on parallel threads
    private static final Object DYNAMO_LOCK = new Object();
    private static final Object SQS_LOCK = new Object();
    private static final Object S3_LOCK = new Object();
    private static final Object POSTGRES_LOCK = new Object();
    private static final Object MARIADB_LOCK = new Object();

    /** DynamoDB Local in memory; the endpoint URL. */
    public static String dynamo() {
        synchronized (DYNAMO_LOCK) {
            if (dynamo == null) dynamo = startDynamo(null);
            return dynamo;
        }
    }

    /**
     * Starts a DynamoDB Local; {@code dir} persists its data there (so a killed CLI run can resume), null keeps
     * it in memory. Returns the endpoint.
     */
    public static String startDynamo(Path dir) {
        int port = freePort(); // its command line wants one; the connector is set to 0 (the OS picks, no race) before it starts
        try {
            String[] args = dir == null
                    ? new String[] {"-inMemory", "-port", Integer.toString(port), "-disableTelemetry"}
                    : new String[] {"-dbPath", dir.toString(), "-sharedDb", "-port", Integer.toString(port), "-disableTelemetry"};
            if (dir != null) Files.createDirectories(dir);
            // DynamoDB Local prints its settings banner on stdout: keep a CLI's output (and piped JSON) clean
            java.io.PrintStream stdout = System.out;
            DynamoDBProxyServer server;
            System.setOut(new java.io.PrintStream(java.io.OutputStream.nullOutputStream()));
            try {
                server = ServerRunner.createServerFromCommandLineArgs(args);
                bindToLoopback(server);
                server.start();
                port = localPort(server);
            } finally {
                System.setOut(stdout);
            }
            Runtime.getRuntime().addShutdownHook(new Thread(() -> {
                try {
                    server.stop();
                } catch (Exception ignored) {
                    // exiting anyway
                }
            }));
        } catch (Exception e) {
            throw new IllegalStateException("could not start DynamoDB Local on port " + port, e);
        }
        String endpoint = "http://127.0.0.1:" + port;
        LOG.info("DynamoDB Local on {}", endpoint);
        return endpoint;
    }

    /**
     * DynamoDB Local has no option for the address it listens on, and its Jetty server listens on every interface:
     * anyone who can reach the machine could rewrite a run's ledger (move a checkpoint past rows never sent). Its
     * connectors are set to 127.0.0.1 before it starts; when that cannot be done, it does not start at all.
     */
    static void bindToLoopback(DynamoDBProxyServer server) {
        try {
            java.lang.reflect.Field f = DynamoDBProxyServer.class.getDeclaredField("server");
            f.setAccessible(true);
            Object jetty = f.get(server);
            Object[] connectors = (Object[]) jetty.getClass().getMethod("getConnectors").invoke(jetty);
            if (connectors.length == 0) throw new IllegalStateException("DynamoDB Local has no connector to bind");
            for (Object c : connectors) {
                c.getClass().getMethod("setHost", String.class).invoke(c, "127.0.0.1");
                // a port the OS picks: a port probed free and bound later can be taken in between by another process
                c.getClass().getMethod("setPort", int.class).invoke(c, 0);
            }
        } catch (ReflectiveOperationException | RuntimeException e) {
            throw new IllegalStateException("cannot bind DynamoDB Local to 127.0.0.1 (it would listen on every interface): " + e, e);
        }
    }

    /** The port DynamoDB Local's connector was given by the OS. */
    private static int localPort(DynamoDBProxyServer server) throws ReflectiveOperationException {
        java.lang.reflect.Field f = DynamoDBProxyServer.class.getDeclaredField("server");
        f.setAccessible(true);
        Object jetty = f.get(server);
        Object connector = ((Object[]) jetty.getClass().getMethod("getConnectors").invoke(jetty))[0];
        return (Integer) connector.getClass().getMethod("getLocalPort").invoke(connector);
    }

    /** ElasticMQ; the SQS endpoint URL. */
    public static String sqs() {
        synchronized (SQS_LOCK) {
            if (sqs == null) {
                // a port the OS picks: no race with another process for a port probed free
                SQSRestServer server = SQSRestServerBuilder.withDynamicPort().withInterface("127.0.0.1").start();
                int port = server.waitUntilStarted().localAddress().getPort();
                Runtime.getRuntime().addShutdownHook(new Thread(server::stopAndWait));
                sqs = "http://127.0.0.1:" + port;
                LOG.info("ElasticMQ on {}", sqs);
            }
            return sqs;
        }
    }

    /** s3mock over plain HTTP; the S3 endpoint URL (path-style). */
    public static String s3() {
        synchronized (S3_LOCK) {
            if (s3 == null) {
                Map<String, Object> props = new HashMap<>();
                props.put(S3MockApplication.PROP_HTTP_PORT, S3MockApplication.RANDOM_PORT); // the OS picks: no race
                props.put(S3MockApplication.PROP_HTTPS_PORT, S3MockApplication.RANDOM_PORT);
                props.put(S3MockApplication.PROP_SILENT, true);
                props.put("server.address", "127.0.0.1");
                props.put("spring.main.banner-mode", "off");
                props.put("logging.level.root", "WARN");
                try {
                    props.put(S3MockApplication.PROP_ROOT_DIRECTORY, Files.createTempDirectory("s3mock").toString());
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
                S3MockApplication app = S3MockApplication.start(props);
                Runtime.getRuntime().addShutdownHook(new Thread(app::stop));
                s3 = "http://127.0.0.1:" + app.getHttpPort();
                LOG.info("s3mock on {}", s3);
            }
            return s3;
        }
    }

    /** Embedded PostgreSQL (real server processes). */
    public static Postgres postgres() {
        synchronized (POSTGRES_LOCK) {
            if (postgres == null) postgres = startPostgres(null);
            return postgres;
        }
    }

    /** Starts a PostgreSQL; {@code dataDir} keeps its data across restarts when not null. */
    public static Postgres startPostgres(Path dataDir) {
        return onFreePort("PostgreSQL", port -> startPostgres(dataDir, port, java.util.Map.of()));
    }

    /** A PostgreSQL of its own with {@code serverConfig} (e.g. statement logging to a file), for a test that reads its server's log. */
    public static Postgres startPostgresWith(java.util.Map<String, String> serverConfig) {
        return onFreePort("PostgreSQL", port -> startPostgres(null, port, serverConfig));
    }

    private static Postgres startPostgres(Path dataDir, int port, java.util.Map<String, String> serverConfig) {
        try {
            EmbeddedPostgres.Builder b = EmbeddedPostgres.builder().setPort(port)
                    .setServerConfig("max_connections", "200")
                    .setServerConfig("fsync", "off")
                    .setServerConfig("synchronous_commit", "off");
            serverConfig.forEach(b::setServerConfig);
            if (dataDir != null) {
                Files.createDirectories(dataDir);
                b.setDataDirectory(dataDir).setCleanDataDirectory(false);
            }
            EmbeddedPostgres pg = b.start();
            Runtime.getRuntime().addShutdownHook(new Thread(() -> {
                try {
                    pg.close();
                } catch (IOException ignored) {
                    // exiting anyway
                }
            }));
            Postgres p = new Postgres(pg.getJdbcUrl("postgres", "postgres"), "postgres", "", pg);
            LOG.info("PostgreSQL on {}", p.jdbcUrl());
            return p;
        } catch (IOException e) {
            throw new IllegalStateException("could not start embedded PostgreSQL (linux-amd64 binaries)", e);
        }
    }

    /** A real MariaDB server (the MySQL family: MySQL, Aurora MySQL and MariaDB sources are tested on it). */
    public static EmbeddedMariaDb mariaDb() {
        synchronized (MARIADB_LOCK) {
            if (mariaDb == null) mariaDb = EmbeddedMariaDb.start();
            return mariaDb;
        }
    }

    /**
     * Starts a server that must be told its port (a separate process): a port probed free can be taken by another process
     * before the server binds it (two test runs on one machine), so a start that fails for it is tried again on another.
     */
    public static <T> T onFreePort(String what, java.util.function.IntFunction<T> start) {
        RuntimeException last = null;
        for (int attempt = 1; attempt <= 5; attempt++) {
            try {
                return start.apply(freePort());
            } catch (RuntimeException e) {
                if (!portTaken(e)) throw e;
                last = e;
                LOG.warn("{}: its port was taken before it bound it (attempt {}); trying another", what, attempt);
            }
        }
        throw last;
    }

    private static boolean portTaken(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            String m = String.valueOf(t.getMessage()).toLowerCase(java.util.Locale.ROOT);
            if (t instanceof java.net.BindException || m.contains("address already in use") || m.contains("could not bind")
                    || m.contains("port") && m.contains("in use")) return true;
        }
        return false;
    }

    /** A free TCP port on the loopback interface. */
    public static int freePort() {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            s.setReuseAddress(true);
            return s.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
