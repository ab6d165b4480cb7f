package com.synapbackfill.cli;

import static com.synapbackfill.cli.Waits.await;
import static org.assertj.core.api.Assertions.assertThat;

import com.synapbackfill.embedded.RealParts;
import com.synapbackfill.embedded.SyntheticHistory;
import com.synapbackfill.emulator.EmulatorSettings;
import com.synapbackfill.emulator.SynapEmulator;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * A database that stops answering mid-run (its TCP connections frozen, as a network partition or a hung server leaves
 * them): statements are cancelled and silent connections dropped after the statement timeout, the shard retries later,
 * the run says "Source database unreachable", and once the database answers again the run completes with every row once.
 */
class FrozenDatabaseIT {
    /** A TCP proxy on loopback that can stop forwarding, holding every connection open. */
    static final class FreezableProxy implements AutoCloseable {
        final ServerSocket server;
        final InetSocketAddress target;
        volatile boolean frozen;
        final List<Socket> sockets = new CopyOnWriteArrayList<>();

        FreezableProxy(InetSocketAddress target) throws IOException {
            this.target = target;
            this.server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
            Thread accept = new Thread(this::accept, "proxy-accept");
            accept.setDaemon(true);
            accept.start();
        }

        int port() {
            return server.getLocalPort();
        }

        private void accept() {
            while (!server.isClosed()) {
                try {
                    Socket client = server.accept();
                    Socket db = new Socket(target.getAddress(), target.getPort());
                    sockets.add(client);
                    sockets.add(db);
                    pump(client.getInputStream(), db.getOutputStream());
                    pump(db.getInputStream(), client.getOutputStream());
                } catch (IOException closed) {
                    return;
                }
            }
        }

        private void pump(InputStream in, OutputStream out) {
            Thread t = new Thread(() -> {
                byte[] buf = new byte[16_384];
                try {
                    while (true) {
                        while (frozen) Thread.sleep(20); // hold: nothing crosses, nothing closes
                        int n = in.read(buf);
                        if (n < 0) break;
                        while (frozen) Thread.sleep(20);
                        out.write(buf, 0, n);
                        out.flush();
                    }
                } catch (IOException | InterruptedException gone) {
                    // a side closed
                }
            }, "proxy-pump");
            t.setDaemon(true);
            t.start();
        }

        @Override
        public void close() throws IOException {
            server.close();
            for (Socket s : sockets) s.close();
        }
    }

    @Test
    void aFrozenDatabaseIsRetriedVisiblyAndTheRunCompletesOnceItAnswers() throws Exception {
        RealParts.Postgres pg = RealParts.postgres();
        SyntheticHistory.Loaded loaded = SyntheticHistory.load(pg.jdbcUrl(), pg.user(), pg.password(), "frozen_turns",
                SyntheticHistory.Options.of(4_000).withBadRowsPerKind(1));
        URI u = URI.create(pg.jdbcUrl().substring("jdbc:".length()));
        try (FreezableProxy proxy = new FreezableProxy(new InetSocketAddress(InetAddress.getLoopbackAddress(), u.getPort()));
             SynapEmulator emulator = SynapEmulator.start(EmulatorSettings.builder().rateLimitPerMinute(600).build())) {
            String viaProxy = "jdbc:postgresql://127.0.0.1:" + proxy.port() + u.getPath() + (u.getQuery() == null ? "" : "?" + u.getQuery());
            Path state = Files.createTempDirectory("frozen");
            Map<String, String> env = Map.of("SYNAP_API_KEY", EmulatorSettings.DEFAULT_API_KEY, "SOURCE_DB_PASSWORD", pg.password(),
                    "SOURCE_STATEMENT_TIMEOUT_SECONDS", "2");
            String[] args = {"run", "--jdbc-url", viaProxy, "--db-user", pg.user(), "--table", "frozen_turns", "--synap-url", emulator.baseUrl(),
                    "--rate-limit", "600", "--shard-rows", "500", "--page-size", "100", "--run-id", "frozen", "--state-dir", state.toString()};
            Process p = CliIT.start(List.of("env", "--default-signal=INT"), env, args);
            StringBuilder out = new StringBuilder();
            Thread reader = new Thread(() -> {
                try (InputStream in = p.getInputStream()) {
                    byte[] buf = new byte[4096];
                    int n;
                    while ((n = in.read(buf)) > 0) synchronized (out) { out.append(new String(buf, 0, n, StandardCharsets.UTF_8)); }
                } catch (IOException ended) {
                    // the process ended
                }
            });
            reader.start();
            await("some rows sent").atMost(Duration.ofMinutes(2)).until(() -> emulator.stats().accepted() >= 300 || !p.isAlive());
            proxy.frozen = true;
            await("the run says the database does not answer").atMost(Duration.ofMinutes(3))
                    .until(() -> { synchronized (out) { return out.toString().contains("Source database unreachable") || !p.isAlive(); } });
            assertThat(p.isAlive()).as(out.toString()).isTrue();
            long frozenAt = emulator.stats().documentsReceived();
            proxy.frozen = false;
            assertThat(p.waitFor(5, TimeUnit.MINUTES)).as(out.toString()).isTrue();
            reader.join(10_000);
            assertThat(p.exitValue()).as(out.toString()).isZero();
            assertThat(out.toString()).contains("COMPLETED").contains("trouble over");
            assertThat(emulator.documents()).as("every valid row, once").hasSize(loaded.validRows());
            assertThat(emulator.stats().documentsReceived()).isGreaterThan(frozenAt);
        }
    }

    /**
     * estimate reads the database too: a statement that does not finish is cancelled after SOURCE_STATEMENT_TIMEOUT_SECONDS
     * (it used to wait the default five minutes whatever the variable said).
     */
    @Test
    void estimateGivesUpAtTheStatementTimeoutItIsGiven() throws Exception {
        RealParts.Postgres pg = RealParts.postgres();
        SyntheticHistory.load(pg.jdbcUrl(), pg.user(), pg.password(), "slow_source_turns", SyntheticHistory.Options.of(200).withBadRowsPerKind(0));
        try (java.sql.Connection c = java.sql.DriverManager.getConnection(pg.jdbcUrl(), pg.user(), pg.password());
             java.sql.Statement st = c.createStatement()) {
            // every statement on the view takes a minute
            st.execute("CREATE OR REPLACE VIEW slow_turns AS SELECT t.* FROM slow_source_turns t CROSS JOIN pg_sleep(60) s");
        }
        Map<String, String> env = Map.of("SOURCE_DB_PASSWORD", pg.password(), "SOURCE_STATEMENT_TIMEOUT_SECONDS", "2");
        long t0 = System.nanoTime();
        Process p = CliIT.start(env, "estimate", "--jdbc-url", pg.jdbcUrl(), "--db-user", pg.user(), "--table", "slow_turns", "--sample", "50");
        java.util.concurrent.CompletableFuture<String> output = java.util.concurrent.CompletableFuture.supplyAsync(() -> {
            try (InputStream in = p.getInputStream()) {
                return new String(in.readAllBytes(), StandardCharsets.UTF_8);
            } catch (IOException killed) {
                return "(output cut: " + killed.getMessage() + ")";
            }
        });
        boolean ended = p.waitFor(40, TimeUnit.SECONDS);
        if (!ended) p.destroyForcibly().waitFor();
        String out = output.get(10, TimeUnit.SECONDS);
        assertThat(ended).as("estimate with a 2 s statement timeout still waiting after 40 s: " + out).isTrue();
        assertThat(p.exitValue()).as(out).isNotZero();
        assertThat(out).as("PostgreSQL cancelled it: query_canceled").contains("(57014)");
        System.err.printf("estimate gave up after %d ms%n", (System.nanoTime() - t0) / 1_000_000);
    }
}
