package com.synapbackfill.cli;

import com.synapbackfill.embedded.RealParts;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * The local ledger under {@code --state-dir}: a DynamoDB Local persisted in {@code dynamodb/}, reports in
 * {@code reports/}. One process at a time owns it (a file lock) and serves the ledger on a loopback port it
 * writes to {@code ledger-endpoint}; other processes ({@code status --watch} beside a running {@code run})
 * read through that endpoint instead of opening the files a second time.
 */
final class StateDir implements AutoCloseable {
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
                Files.deleteIfExists(dir.resolve("ledger-endpoint"));
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
        try {
            Files.createDirectories(dir);
            Path endpointFile = dir.resolve("ledger-endpoint");
            FileChannel ch = FileChannel.open(dir.resolve("lock"), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
            FileLock lock = ch.tryLock();
            if (lock != null) {
                String endpoint = RealParts.startDynamo(dir.resolve("dynamodb"));
                Files.writeString(endpointFile, endpoint + "\n" + ProcessHandle.current().pid() + "\n");
                return new StateDir(dir, endpoint, ch, lock);
            }
            ch.close();
            String[] owner = Files.exists(endpointFile) ? Files.readString(endpointFile, StandardCharsets.UTF_8).split("\n") : new String[0];
            String who = owner.length > 1 ? " (pid " + owner[1].trim() + ")" : "";
            if (exclusive)
                throw new IllegalArgumentException("--state-dir: " + dir.toAbsolutePath() + " is in use by another backfill process" + who
                        + "; wait for it to end (backfill status --watch follows it) or use another --state-dir");
            if (owner.length == 0 || !reachable(owner[0].trim()))
                throw new IllegalStateException("--state-dir: " + dir.toAbsolutePath() + " is locked by another process" + who
                        + " whose ledger endpoint does not answer; try again in a moment");
            return new StateDir(dir, owner[0].trim(), null, null);
        } catch (IOException e) {
            throw new IllegalArgumentException("--state-dir: cannot use " + dir.toAbsolutePath() + ": " + e.getMessage());
        }
    }

    private static boolean reachable(String endpoint) {
        URI u = URI.create(endpoint);
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
        return dir.resolve("reports");
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
