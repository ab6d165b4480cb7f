package com.synapbackfill.files;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.synapbackfill.report.FileReportStore;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFilePermissions;
import java.nio.file.attribute.UserPrincipal;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A private directory (the CLI's state directory; the local report store is one): nothing in it is followed, read or
 * written unless the user running owns it and no one else can write it, and what it creates is 0700 / 0600 whatever the
 * umask. Tests run as root here: "another user" is {@code nobody}.
 */
class PrivateFilesTest {
    @TempDir
    Path tmp;

    static final String ME = System.getProperty("user.name");

    static UserPrincipal nobody() throws Exception {
        return java.nio.file.FileSystems.getDefault().getUserPrincipalLookupService().lookupPrincipalByName("nobody");
    }

    /** A link owned by {@code nobody} (when this runs as root), as another user plants one: lchown, the link itself. */
    static Path plantLink(Path link, Path target) throws Exception {
        Files.createSymbolicLink(link, target);
        if ("root".equals(ME)) Files.getFileAttributeView(link, PosixFileAttributeView.class, LinkOption.NOFOLLOW_LINKS).setOwner(nobody());
        return link;
    }

    static String owner(Path p) throws Exception {
        return Files.getOwner(p, LinkOption.NOFOLLOW_LINKS).getName();
    }

    /** A root-only file a planted link points at. */
    Path secret() throws Exception {
        Path f = tmp.resolve("root-only");
        Files.writeString(f, "root's own\n");
        Files.setPosixFilePermissions(f, PosixFilePermissions.fromString("rw-------"));
        return f;
    }

    static String mode(Path p) throws Exception {
        return PosixFilePermissions.toString(Files.getPosixFilePermissions(p, LinkOption.NOFOLLOW_LINKS));
    }

    @Test
    void aReportWrittenOverAPlantedLinkIsRefusedAndTheLinksTargetIsUntouched() throws Exception {
        Path secret = secret();
        Path reports = Files.createDirectory(tmp.resolve("reports"), PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
        Files.createDirectories(reports.resolve("runs/r1"));
        Files.setPosixFilePermissions(reports.resolve("runs"), PosixFilePermissions.fromString("rwx------"));
        Files.setPosixFilePermissions(reports.resolve("runs/r1"), PosixFilePermissions.fromString("rwx------"));
        Path link = plantLink(reports.resolve("runs/r1/report.json"), secret);
        FileReportStore store = new FileReportStore(reports);

        assertThatThrownBy(() -> store.put("runs/r1/report.json", "{}".getBytes(), "application/json"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining(link + " is a symbolic link to " + secret + " (owned by " + owner(link) + ")")
                .hasMessageContaining("rm " + link);
        assertThatThrownBy(() -> store.get("runs/r1/report.json")).hasMessageContaining("is a symbolic link");
        assertThat(Files.readString(secret)).isEqualTo("root's own\n");
        assertThat(mode(secret)).isEqualTo("rw-------");
        assertThat(Files.isSymbolicLink(link)).as("refused, not removed").isTrue();
    }

    @Test
    void aDirectoryOfAnotherUserOrWritableByOthersIsRefused() throws Exception {
        org.junit.jupiter.api.Assumptions.assumeTrue("root".equals(ME), "another user's files are made with chown: as root");
        Path root = Files.createDirectory(tmp.resolve("state"));
        Files.setPosixFilePermissions(root, PosixFilePermissions.fromString("rwxrwxr-x"));
        FileReportStore store = new FileReportStore(root);
        assertThatThrownBy(() -> store.put("runs/r1/report.json", "{}".getBytes(), "application/json"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining(root + " (owner root, mode rwxrwxr-x) is writable by its group")
                .hasMessageContaining("chmod go-w " + root);
        Files.setPosixFilePermissions(root, PosixFilePermissions.fromString("rwx---rwx"));
        assertThatThrownBy(() -> store.get("runs/r1/report.json")).hasMessageContaining("is writable by others");

        Files.setPosixFilePermissions(root, PosixFilePermissions.fromString("rwx------"));
        Files.setOwner(root, nobody());
        assertThatThrownBy(() -> store.list("runs/"))
                .hasMessageContaining(root + " is owned by nobody, not by root who runs backfill")
                .hasMessageContaining("use another --state-dir").hasMessageContaining("chown root " + root);
        assertThat(root.resolve("runs")).doesNotExist();

        // a file in a private directory, another user's or writable by others, is refused too
        Files.setOwner(root, Files.getOwner(tmp));
        Path f = root.resolve("note");
        Files.writeString(f, "x");
        Files.setPosixFilePermissions(f, PosixFilePermissions.fromString("rw-rw-r--"));
        PrivateFiles files = new PrivateFiles(root);
        assertThatThrownBy(() -> files.read(f)).hasMessageContaining(f + " (owner root, mode rw-rw-r--) is writable by its group");
        Files.setPosixFilePermissions(f, PosixFilePermissions.fromString("rw-r--r--"));
        assertThat(files.read(f)).contains("x".getBytes());
        Files.setOwner(f, nobody());
        assertThatThrownBy(() -> files.write(f, "y".getBytes())).hasMessageContaining(f + " is owned by nobody");
        assertThat(Files.readString(f)).isEqualTo("x");
    }

    @Test
    void whatTheReportStoreCreatesIsTheOwnersAloneWithThisUmask() throws Exception {
        Path reports = tmp.resolve("state/reports");
        FileReportStore store = new FileReportStore(reports);
        store.put("runs/r1/report.json", "{}".getBytes(), "application/json");
        store.put("runs/r1/receipts/shard-00000/a.jsonl.gz", new byte[] {1}, "application/gzip");
        assertThat(store.get("runs/r1/report.json")).contains("{}".getBytes());
        assertThat(store.list("runs/r1/")).containsExactly("runs/r1/receipts/shard-00000/a.jsonl.gz", "runs/r1/report.json");
        assertThat(modes(tmp.resolve("state"))).allSatisfy((p, m) -> assertThat(m).as(p).isIn("d rwx------", "f rw-------"));
    }

    /**
     * Permissions are given at creation, not left to the umask: a JVM under {@code umask 000} (which would make files 0666
     * and directories 0777) still creates 0600 and 0700.
     */
    @Test
    void whatIsCreatedIsTheOwnersAloneEvenUnderAPermissiveUmask() throws Exception {
        Path root = tmp.resolve("wide/state");
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Process p = new ProcessBuilder("sh", "-c", "umask 000 && exec \"$0\" -cp \"$1\" \"$2\" \"$3\"",
                java, System.getProperty("java.class.path"), CreateUnderUmask.class.getName(), root.toString()).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as(out).isZero();
        assertThat(out).as("the umask the child ran with").contains("umask probe rw-rw-rw-");
        Map<String, String> modes = modes(tmp.resolve("wide"));
        assertThat(modes).containsKeys("wide/state", "wide/state/reports/runs/r1/report.json", "wide/state/runs/r1/synap-base-url",
                "wide/state/lock");
        assertThat(modes).allSatisfy((path, m) -> assertThat(m).as(path).isIn("d rwx------", "f rw-------"));
    }

    /** Run under {@code umask 000}: creates a state directory's kinds of files the ways the tool does. */
    public static final class CreateUnderUmask {
        public static void main(String[] args) throws Exception {
            Path root = Path.of(args[0]);
            // createFile asks for 0666 and gets what the umask leaves (createTempFile would ask for 0600)
            Path probe = Files.createFile(Path.of(System.getProperty("java.io.tmpdir"), "umask-" + ProcessHandle.current().pid() + ".probe"));
            System.out.println("umask probe " + mode(probe));
            Files.delete(probe);
            PrivateFiles files = new PrivateFiles(root);
            files.createRoot();
            new FileReportStore(root.resolve("reports")).put("runs/r1/report.json", "{}".getBytes(), "application/json");
            files.write(root.resolve("runs/r1/synap-base-url"), "https://synap.example\n".getBytes());
            files.createFile(root.resolve("dynamodb/shared-local-instance.db"));
            files.openForWrite(root.resolve("lock")).close();
        }
    }

    /** "d rwx------" / "f rw-------" by path relative to the temp directory, for {@code dir} and all below it. */
    Map<String, String> modes(Path dir) throws Exception {
        Map<String, String> out = new TreeMap<>();
        try (Stream<Path> all = Files.walk(dir)) {
            for (Path p : all.toList())
                out.put(tmp.relativize(p).toString(), (Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS) ? "d " : "f ") + mode(p));
        }
        return out;
    }

    @Test
    void keysThatLeaveTheDirectoryAreRefused() {
        FileReportStore store = new FileReportStore(tmp.resolve("reports"));
        assertThatThrownBy(() -> store.put("../escape", new byte[0], "text/plain")).hasMessageContaining("escapes the report directory");
        assertThat(List.of(tmp.resolve("escape"))).allSatisfy(p -> assertThat(p).doesNotExist());
    }
}
