package com.synapbackfill.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.synapbackfill.embedded.ChatLogFixture;
import com.synapbackfill.embedded.RealParts;
import com.synapbackfill.emulator.EmulatorSettings;
import com.synapbackfill.emulator.SynapEmulator;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The parts a local run starts (DynamoDB Local holding the ledger, ElasticMQ, s3mock, the local Lambda endpoint) listen
 * on loopback only: from another address, one UpdateItem on the ledger could move a checkpoint past rows never sent.
 * Read from the kernel's socket table while a real {@code backfill run} works, for the CLI's process and every process
 * it started.
 */
class OpenPortsIT {
    /** A listening socket: its local address as the kernel shows it, and its inode. */
    record Listener(String address, int port, String inode) {
    }

    /** Every socket in LISTEN state in the network namespace (/proc/net/tcp and tcp6). */
    static List<Listener> listeners() throws IOException {
        List<Listener> out = new ArrayList<>();
        for (String f : List.of("/proc/net/tcp", "/proc/net/tcp6")) {
            Path p = Path.of(f);
            if (!Files.exists(p)) continue;
            List<String> lines = Files.readAllLines(p); // once: the table changes while other tests open and close sockets
            for (String line : lines.subList(Math.min(1, lines.size()), lines.size())) {
                String[] cols = line.trim().split("\\s+");
                if (!cols[3].equals("0A")) continue; // LISTEN
                String[] local = cols[1].split(":");
                out.add(new Listener(address(local[0]), Integer.parseInt(local[1], 16), cols[9]));
            }
        }
        return out;
    }

    /** The kernel's hex address (little-endian words) as text: 127.0.0.1, 0.0.0.0, ::1, ::. */
    static String address(String hex) {
        if (hex.length() == 8) {
            return Integer.parseInt(hex.substring(6, 8), 16) + "." + Integer.parseInt(hex.substring(4, 6), 16) + "."
                    + Integer.parseInt(hex.substring(2, 4), 16) + "." + Integer.parseInt(hex.substring(0, 2), 16);
        }
        if (hex.equals("00000000000000000000000001000000")) return "::1";
        if (hex.equals("00000000000000000000000000000000")) return "::";
        if (hex.startsWith("0000000000000000FFFF0000")) return "::ffff:" + address(hex.substring(24));
        return hex;
    }

    /** The socket inodes a process holds open. */
    static Set<String> socketInodes(long pid) {
        Set<String> out = new HashSet<>();
        try (Stream<Path> fds = Files.list(Path.of("/proc", Long.toString(pid), "fd"))) {
            fds.forEach(fd -> {
                try {
                    String target = Files.readSymbolicLink(fd).toString();
                    if (target.startsWith("socket:[")) out.add(target.substring(8, target.length() - 1));
                } catch (IOException gone) {
                    // closed while listed
                }
            });
        } catch (IOException gone) {
            // the process ended
        }
        return out;
    }

    static boolean loopback(String address) {
        return address.startsWith("127.") || address.equals("::1") || address.startsWith("::ffff:127.");
    }

    @Test
    void aLocalRunListensOnLoopbackOnly() throws Exception {
        RealParts.Postgres pg = RealParts.postgres();
        ChatLogFixture.load(pg, "ports_log", 3_000);
        try (SynapEmulator emulator = SynapEmulator.start(EmulatorSettings.builder().rateLimitPerMinute(0).build())) {
            Path state = Files.createTempDirectory("open-ports");
            List<String> args = new ArrayList<>(List.of("run", "--jdbc-url", ChatLogFixture.readerJdbcUrl(pg), "--db-user", ChatLogFixture.READER,
                    "--synap-url", emulator.baseUrl(), "--rate-limit", "120", "--shard-rows", "500", "--run-id", "ports-run",
                    "--state-dir", state.toString(), "--table", "ports_log"));
            args.addAll(List.of(ChatLogFixture.columnFlags()));
            Process p = CliIT.startAndAwait(emulator, 100, Map.of("SYNAP_API_KEY", EmulatorSettings.DEFAULT_API_KEY,
                    "SOURCE_DB_PASSWORD", ChatLogFixture.READER_PASSWORD), args.toArray(String[]::new));
            try {
                assertThat(p.isAlive()).as("the run is still working").isTrue();
                Set<String> inodes = new HashSet<>(socketInodes(p.pid()));
                p.descendants().forEach(d -> inodes.addAll(socketInodes(d.pid())));
                List<Listener> mine = listeners().stream().filter(l -> inodes.contains(l.inode())).toList();
                // the ledger's DynamoDB Local and ElasticMQ at least: the check looked at real listeners
                int ledgerPort = java.net.URI.create(Files.readAllLines(state.resolve("ledger-endpoint")).get(0).trim()).getPort();
                assertThat(mine).as("the run's listeners, of %s", listeners()).hasSizeGreaterThanOrEqualTo(2)
                        .anySatisfy(l -> assertThat(l.port()).isEqualTo(ledgerPort));
                assertThat(mine).as("listeners beyond loopback").allSatisfy(l -> assertThat(loopback(l.address())).as(l.toString()).isTrue());
            } finally {
                p.destroy();
                p.waitFor();
            }
        }
    }

    @Test
    void theKernelsAddressesReadAsText() {
        assertThat(address("0100007F")).isEqualTo("127.0.0.1");
        assertThat(address("00000000")).isEqualTo("0.0.0.0");
        assertThat(address("00000000000000000000000001000000")).isEqualTo("::1");
        assertThat(loopback(address("00000000"))).isFalse();
        assertThat(loopback(address("00000000000000000000000000000000"))).isFalse();
    }
}
