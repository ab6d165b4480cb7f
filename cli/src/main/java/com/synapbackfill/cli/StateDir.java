package com.synapbackfill.cli;

import com.synapbackfill.embedded.RealParts;
import com.synapbackfill.files.PrivateFiles;
import com.synapbackfill.files.UnsafeFileException;
import com.synapbackfill.text.Printable;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The local ledger under {@code --state-dir}: a DynamoDB Local persisted in {@code dynamodb/}, reports in
 * {@code reports/}. One process at a time owns it (a file lock) and serves the ledger on a loopback port it
 * writes to {@code ledger-endpoint}; other processes ({@code status --watch} beside a running {@code run})
 * read through that endpoint instead of opening the files a second time. The directory holds chat fragments (the
 * ledger, reports, failures): it is a {@link PrivateFiles} one, refused when it or anything this reads or writes in
 * it is a link, another user's, or writable by others.
 */
final class StateDir implements AutoCloseable {
    static final String LOCK = "lock";
    static final String ENDPOINT = "ledger-endpoint";
    static final String DYNAMODB = "dynamodb";
    /** The file DynamoDB Local keeps a {@code -sharedDb} ledger in. */
    static final String DYNAMODB_FILE = "shared-local-instance.db";
    static final String REPORTS = "reports";
    static final String RUNS = "runs";
    /** What this tool reads or writes directly in a state directory. */
    private static final String[] ENTRIES = {LOCK, ENDPOINT, DYNAMODB, REPORTS, RUNS};

    private final Path dir;
    private final String dynamoEndpoint;
    private final FileChannel channel;
    private final FileLock lock;
    /** Removes {@code ledger-endpoint} however this process leaves: closed, exiting, or halted by a second Ctrl-C. */
    private final Runnable removeEndpoint;
    private final Thread onExit;

    private StateDir(Path dir, String dynamoEndpoint, FileChannel channel, FileLock lock) {
        this.dir = dir;
        this.dynamoEndpoint = dynamoEndpoint;
        this.channel = channel;
        this.lock = lock;
        this.removeEndpoint = () -> {
            try {
                Files.deleteIfExists(dir.resolve(ENDPOINT)); // a link would be removed, never followed
            } catch (IOException ignored) {
                // the next owner overwrites it; a reader finds the lock free and serves itself
            }
        };
        this.onExit = new Thread(removeEndpoint, "state-dir-endpoint");
        if (lock != null) {
            Interrupts.beforeHalt(removeEndpoint);
            Runtime.getRuntime().addShutdownHook(onExit);
        }
    }

    /**
     * @param exclusive the caller writes the run (run, start, resume): refuse when another process owns the
     *                  directory, rather than depend on that process staying alive
     */
    static StateDir open(Path dir, boolean exclusive) {
        PrivateFiles files = new PrivateFiles(dir);
        try {
            // the directory and what this reads or writes in it: none a link, none another user's or writable by others
            files.createRoot();
            for (String entry : ENTRIES) files.check(files.root().resolve(entry));
            files.checkEntries(files.root().resolve(DYNAMODB));
            Path endpointFile = files.root().resolve(ENDPOINT);
            FileChannel ch = files.openForWrite(files.root().resolve(LOCK));
            FileLock lock = ch.tryLock();
            if (lock != null) {
                try {
                    // DynamoDB Local's SQLite file made 0600 before it opens it (its journals take the file's mode)
                    files.createFile(files.root().resolve(DYNAMODB).resolve(DYNAMODB_FILE));
                    String endpoint = RealParts.startDynamo(files.root().resolve(DYNAMODB));
                    files.write(endpointFile, (endpoint + "\n" + ProcessHandle.current().pid() + "\n").getBytes(StandardCharsets.UTF_8));
                    return new StateDir(files.root(), endpoint, ch, lock);
                } catch (RuntimeException e) {
                    lock.release();
                    ch.close();
                    throw e;
                }
            }
            ch.close();
            String[] owner = files.read(endpointFile).map(b -> new String(b, StandardCharsets.UTF_8).split("\n")).orElse(new String[0]);
            String who = owner.length > 1 ? " (pid " + Printable.of(owner[1].trim()) + ")" : "";
            if (exclusive)
                throw new IllegalArgumentException("--state-dir: " + files.root() + " is in use by another backfill process" + who
                        + "; wait for it to end (backfill status --watch follows it) or use another --state-dir");
            if (owner.length == 0 || !reachable(owner[0].trim()))
                throw new IllegalStateException("--state-dir: " + files.root() + " is locked by another process" + who
                        + " whose ledger endpoint does not answer; try again in a moment");
            return new StateDir(files.root(), owner[0].trim(), null, null);
        } catch (UnsafeFileException e) {
            throw new UnsafeFileException("--state-dir: " + e.getMessage());
        } catch (IOException | UncheckedIOException e) {
            throw new IllegalArgumentException("--state-dir: cannot use " + files.root() + ": " + e.getMessage());
        }
    }

    private static boolean reachable(String endpoint) {
        URI u;
        try {
            u = URI.create(endpoint);
        } catch (IllegalArgumentException e) {
            return false;
        }
        if (u.getHost() == null || u.getPort() < 0) return false;
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress(u.getHost(), u.getPort()), 2_000);
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    String dynamoEndpoint() {
        return dynamoEndpoint;
    }

    Path reports() {
        return dir.resolve(REPORTS);
    }

    /** Whether this process serves the ledger (else it reads another process's). */
    boolean owner() {
        return lock != null;
    }

    @Override
    public void close() {
        if (lock == null) return;
        removeEndpoint.run();
        Interrupts.forget(removeEndpoint);
        try {
            Runtime.getRuntime().removeShutdownHook(onExit);
        } catch (IllegalStateException exiting) {
            // the hook runs anyway
        }
        try {
            lock.release();
            channel.close();
        } catch (IOException ignored) {
            // the lock goes with the process anyway
        }
    }
}
