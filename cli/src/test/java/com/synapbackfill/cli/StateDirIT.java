package com.synapbackfill.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFilePermissions;
import java.nio.file.attribute.UserPrincipal;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A {@code --state-dir} another user prepared is not trusted (#41): a root {@code backfill run} once wrote its ledger
 * endpoint through a {@code ledger-endpoint} link user {@code nobody} planted, over a root-only file. Tests run as root
 * here; "another user" is {@code nobody}.
 */
class StateDirIT {
    @TempDir
    Path tmp;

    static UserPrincipal nobody() throws Exception {
        return java.nio.file.FileSystems.getDefault().getUserPrincipalLookupService().lookupPrincipalByName("nobody");
    }

    /** A root-only file, what a planted link points at. */
    Path secret() throws Exception {
        Path f = tmp.resolve("root-only");
        Files.writeString(f, "root's own\n");
        Files.setPosixFilePermissions(f, PosixFilePermissions.fromString("rw-------"));
        Files.setLastModifiedTime(f, FileTime.fromMillis(1_000_000_000_000L));
        return f;
    }

    /** A state directory with {@code entry} a link to {@code target} that {@code nobody} planted. */
    Path stateWithLink(String entry, Path target) throws Exception {
        Path state = Files.createDirectory(tmp.resolve("state"), PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
        Files.createDirectory(state.resolve("dynamodb"), PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
        Path link = Files.createSymbolicLink(state.resolve(entry), target);
        Files.getFileAttributeView(link, PosixFileAttributeView.class, LinkOption.NOFOLLOW_LINKS).setOwner(nobody());
        return state;
    }

    void assertUntouched(Path secret) throws Exception {
        assertThat(Files.readString(secret)).isEqualTo("root's own\n");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(secret))).isEqualTo("rw-------");
        assertThat(Files.getLastModifiedTime(secret).toMillis()).isEqualTo(1_000_000_000_000L);
    }

    @Test
    void aPlantedLedgerEndpointLinkIsRefusedAndItsTargetUntouched() throws Exception {
        Path secret = secret();
        Path state = stateWithLink("ledger-endpoint", secret);
        assertThatThrownBy(() -> StateDir.open(state, true).close()).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("--state-dir: " + state.resolve("ledger-endpoint") + " is a symbolic link to " + secret
                        + " (owned by nobody)")
                .hasMessageContaining("rm " + state.resolve("ledger-endpoint"));
        assertThatThrownBy(() -> StateDir.open(state, false).close()).hasMessageContaining("is a symbolic link");
        assertUntouched(secret);
        assertThat(state.resolve("lock")).as("nothing was created before the refusal").doesNotExist();
    }

    @Test
    void aPlantedLockLinkIsRefusedAndItsTargetUntouched() throws Exception {
        Path secret = secret();
        Path state = stateWithLink("lock", secret);
        assertThatThrownBy(() -> StateDir.open(state, true).close()).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("--state-dir: " + state.resolve("lock") + " is a symbolic link to " + secret + " (owned by nobody)");
        assertUntouched(secret);
        assertThat(state.resolve("ledger-endpoint")).doesNotExist();
    }

    @Test
    void aLinkAsTheLedgerDirectoryIsRefused() throws Exception {
        Path elsewhere = Files.createDirectory(tmp.resolve("elsewhere"));
        Path state = Files.createDirectory(tmp.resolve("state"));
        Files.createSymbolicLink(state.resolve("dynamodb"), elsewhere);
        assertThatThrownBy(() -> StateDir.open(state, true).close()).hasMessageContaining(state.resolve("dynamodb") + " is a symbolic link");
        try (Stream<Path> in = Files.list(elsewhere)) {
            assertThat(in).isEmpty();
        }
    }

    @Test
    void aGroupWritableStateDirIsRefused() throws Exception {
        Path state = Files.createDirectory(tmp.resolve("state"));
        Files.setPosixFilePermissions(state, PosixFilePermissions.fromString("rwxrwx---"));
        assertThatThrownBy(() -> StateDir.open(state, true).close()).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("--state-dir: " + state + " (owner root, mode rwxrwx---) is writable by its group")
                .hasMessageContaining("chmod go-w " + state).hasMessageContaining("another --state-dir");
        try (Stream<Path> in = Files.list(state)) {
            assertThat(in).as("nothing written in it").isEmpty();
        }
    }

    @Test
    void aStateDirOrAFileInItOwnedByAnotherUserIsRefused() throws Exception {
        Path state = Files.createDirectory(tmp.resolve("state"));
        Files.setOwner(state, nobody());
        assertThatThrownBy(() -> StateDir.open(state, false).close()).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("--state-dir: " + state + " is owned by nobody, not by root who runs backfill")
                .hasMessageContaining("another --state-dir").hasMessageContaining("chown root " + state);

        Files.setOwner(state, Files.getOwner(tmp));
        Path endpoint = Files.writeString(state.resolve("ledger-endpoint"), "http://127.0.0.1:9\n1\n");
        Files.setOwner(endpoint, nobody());
        assertThatThrownBy(() -> StateDir.open(state, false).close())
                .hasMessageContaining(endpoint + " is owned by nobody, not by root");
        assertThat(Files.readString(endpoint)).isEqualTo("http://127.0.0.1:9\n1\n");
    }

    /**
     * What a run creates in its state directory — the lock, the ledger endpoint, DynamoDB Local's directory and file, the
     * reports, the run's record — is 0700 / 0600 under {@code umask 000} (a fresh JVM: the umask is the process's).
     */
    @Test
    void whatARunCreatesIsTheOwnersAloneEvenUnderAPermissiveUmask() throws Exception {
        Path state = tmp.resolve("home/state");
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Process p = new ProcessBuilder("sh", "-c", "umask 000 && exec \"$0\" -cp \"$1\" \"$2\" \"$3\"",
                java, System.getProperty("java.class.path"), OpenUnderUmask.class.getName(), state.toString()).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(2, TimeUnit.MINUTES)).isTrue();
        assertThat(p.exitValue()).as(out).isZero();
        assertThat(out).as("the child's umask").contains("umask probe rw-rw-rw-").contains("served at http://127.0.0.1:").contains("tables [umask-ledger]")
                .as("the ledger endpoint, while it was served").contains("ledger-endpoint rw-------");
        Map<String, String> modes = modes(tmp.resolve("home"));
        assertThat(modes).containsKeys("home/state", "home/state/lock", "home/state/dynamodb", "home/state/dynamodb/shared-local-instance.db",
                "home/state/reports/runs/r1/report.json", "home/state/runs/r1/synap-base-url", "home/state/runs/r1/completed");
        assertThat(modes).allSatisfy((path, m) -> assertThat(m).as(path).isIn("d rwx------", "f rw-------"));
    }

    /** Run under {@code umask 000}: opens a state directory as {@code run} does, writes a report and the run's record. */
    public static final class OpenUnderUmask {
        public static void main(String[] args) {
            try {
                open(Path.of(args[0]));
            } catch (Throwable t) {
                t.printStackTrace(System.out);
                System.exit(1);
            }
            System.exit(0); // DynamoDB Local's threads
        }

        static void open(Path stateDir) throws Exception {
            Path probe = Files.createFile(Path.of(System.getProperty("java.io.tmpdir"), "umask-" + ProcessHandle.current().pid() + ".probe"));
            System.out.println("umask probe " + PosixFilePermissions.toString(Files.getPosixFilePermissions(probe)));
            Files.delete(probe);
            StackOptions o = new StackOptions();
            o.stateDir = stateDir;
            CliConfig c = CliConfig.load(null, Map.of());
            try (StateDir dir = StateDir.open(o.stateDir, true)) {
                System.out.println("served at " + dir.dynamoEndpoint());
                // DynamoDB Local works on the file made for it (empty, 0600) and keeps its mode
                var aws = new com.synapbackfill.config.AwsClients(new com.synapbackfill.config.Settings.Endpoints(dir.dynamoEndpoint(), null, null, null));
                com.synapbackfill.ledger.LedgerTable.createIfMissing(aws.dynamo(), "umask-ledger");
                System.out.println("tables " + aws.dynamo().listTables().tableNames());
                assertThat(Files.readString(o.stateDir.resolve("ledger-endpoint"))).startsWith(dir.dynamoEndpoint());
                new com.synapbackfill.report.FileReportStore(dir.reports()).put("runs/r1/report.json", "{}".getBytes(), "application/json");
                LocalRunRecord.write(c, o, "r1", "https://synap.example");
                LocalRunRecord.completed(c, o, "r1");
                assertThat(LocalRunRecord.read(c, o, "r1")).contains("https://synap.example");
                // the ledger endpoint is listed while it is served: its mode too
                System.out.println("ledger-endpoint " + PosixFilePermissions.toString(Files.getPosixFilePermissions(o.stateDir.resolve("ledger-endpoint"))));
            }
        }
    }

    /** "d rwx------" / "f rw-------" by path relative to the temp directory, for {@code dir} and all below it. */
    Map<String, String> modes(Path dir) throws Exception {
        Map<String, String> out = new TreeMap<>();
        try (Stream<Path> all = Files.walk(dir)) {
            for (Path p : all.toList())
                out.put(tmp.relativize(p).toString(), (Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS) ? "d " : "f ")
                        + PosixFilePermissions.toString(Files.getPosixFilePermissions(p, LinkOption.NOFOLLOW_LINKS)));
        }
        return out;
    }
}
