package com.synapbackfill.files;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.SeekableByteChannel;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.OpenOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFileAttributes;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.EnumSet;
import java.util.Optional;
import java.util.Set;

/**
 * A directory of one user's private files (the CLI's state directory: its ledger, reports and failures hold chat
 * fragments). Nothing in it is trusted unless the user running the tool owns it and no one else can write it: every
 * directory and file read or written under the root, the root included, is refused when it is a symbolic link, is owned
 * by another user, or is writable by its group or by others — a link another user planted would otherwise make a root
 * run write where the link points. Links are never followed ({@link LinkOption#NOFOLLOW_LINKS}, {@code O_NOFOLLOW}).
 * Directories are created 0700 and files 0600, the permissions given at creation, so no umask opens them even for a
 * moment. On a file system without POSIX permissions the checks and modes are skipped.
 */
public final class PrivateFiles {
    private static final LinkOption NOFOLLOW = LinkOption.NOFOLLOW_LINKS;
    private static final Set<PosixFilePermission> OTHERS_WRITE = EnumSet.of(PosixFilePermission.GROUP_WRITE, PosixFilePermission.OTHERS_WRITE);
    private static final FileAttribute<Set<PosixFilePermission>> DIR_MODE = PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------"));
    private static final FileAttribute<Set<PosixFilePermission>> FILE_MODE = PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------"));

    private final Path root;
    private final boolean posix;

    /** @param root the private directory (it need not exist yet) */
    public PrivateFiles(Path root) {
        this.root = root.toAbsolutePath().normalize();
        this.posix = root.getFileSystem().supportedFileAttributeViews().contains("posix");
    }

    public Path root() {
        return root;
    }

    /** Creates the root when missing (0700, and any missing parent too), then checks it. */
    public Path createRoot() {
        try {
            if (!Files.exists(root, NOFOLLOW)) {
                Path parent = root.getParent();
                if (parent != null && !Files.exists(parent)) {
                    if (posix) Files.createDirectories(parent, DIR_MODE);
                    else Files.createDirectories(parent);
                }
                try {
                    if (posix) Files.createDirectory(root, DIR_MODE);
                    else Files.createDirectory(root);
                } catch (FileAlreadyExistsException raced) {
                    // another process made it: checked below like any existing one
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create " + root + ": " + e.getMessage(), e);
        }
        check(root);
        return root;
    }

    /**
     * Creates {@code dir} under the root and every missing directory between (0700 each), checking each one that
     * exists; returns it.
     */
    public Path createDirectories(Path dir) {
        Path target = inside(dir);
        createRoot();
        Path at = root;
        for (Path name : root.relativize(target)) {
            at = at.resolve(name);
            try {
                if (posix) Files.createDirectory(at, DIR_MODE);
                else Files.createDirectory(at);
            } catch (FileAlreadyExistsException exists) {
                // an existing entry (or a link): checked below
            } catch (IOException e) {
                throw new UncheckedIOException("cannot create " + at + ": " + e.getMessage(), e);
            }
            check(at);
            if (!Files.isDirectory(at, NOFOLLOW)) throw new UnsafeFileException(at + " is not a directory; " + removeIt(at));
        }
        return target;
    }

    /** Whether {@code f} exists, its directories and itself checked (a link is refused, not answered false). */
    public boolean exists(Path f) {
        Path p = inside(f);
        if (!checkedParents(p)) return false;
        if (!Files.exists(p, NOFOLLOW)) return false;
        check(p);
        return true;
    }

    /** The content of {@code f}, or empty when it (or a directory on its way) does not exist; checked first. */
    public Optional<byte[]> read(Path f) {
        Path p = inside(f);
        if (!checkedParents(p) || !Files.exists(p, NOFOLLOW)) return Optional.empty();
        check(p);
        try (SeekableByteChannel ch = Files.newByteChannel(p, Set.<OpenOption>of(StandardOpenOption.READ, NOFOLLOW))) {
            long size = ch.size();
            if (size > Integer.MAX_VALUE - 16) throw new IOException("too large: " + size + " bytes");
            ByteBuffer buf = ByteBuffer.allocate((int) size);
            while (buf.hasRemaining() && ch.read(buf) >= 0) {
                // reads until full or the end
            }
            byte[] out = new byte[buf.position()];
            buf.flip().get(out);
            return Optional.of(out);
        } catch (NoSuchFileException gone) {
            return Optional.empty();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + p + ": " + e.getMessage(), e);
        }
    }

    /**
     * Writes {@code f} whole: into a new file beside it (0600, never an existing one) moved over it, so a reader never
     * sees half of it and a link planted at its name is replaced, not followed. Its directories are created as needed.
     */
    public void write(Path f, byte[] content) {
        write(f, out -> out.write(content));
    }

    /** What writes a file's bytes to the stream it is given (which it does not close). */
    @FunctionalInterface
    public interface Content {
        void writeTo(java.io.OutputStream out) throws IOException;
    }

    /** {@link #write(Path, byte[])} for a file written piece by piece: memory bounded whatever its size. */
    public void write(Path f, Content content) {
        Path p = inside(f);
        createDirectories(p.getParent());
        if (Files.exists(p, NOFOLLOW)) check(p);
        Path tmp = p.resolveSibling(p.getFileName() + ".tmp");
        try {
            // a leftover (a crash mid-write) or anything planted there: removed, never followed (unlink removes a link itself)
            Files.deleteIfExists(tmp);
            try (SeekableByteChannel ch = Files.newByteChannel(tmp, createNew(), fileMode());
                 java.io.OutputStream out = new java.io.BufferedOutputStream(java.nio.channels.Channels.newOutputStream(ch), 1 << 16)) {
                content.writeTo(out);
            }
            Files.move(tmp, p, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            try {
                Files.deleteIfExists(tmp);
            } catch (IOException ignored) {
                // the next write removes it
            }
            throw new UncheckedIOException("cannot write " + p + ": " + e.getMessage(), e);
        }
    }

    /** Creates {@code f} empty (0600) unless it exists; checks it either way. */
    public void createFile(Path f) {
        Path p = inside(f);
        createDirectories(p.getParent());
        try (SeekableByteChannel ignored = Files.newByteChannel(p, createNew(), fileMode())) {
            // created empty
        } catch (FileAlreadyExistsException exists) {
            // checked below
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create " + p + ": " + e.getMessage(), e);
        }
        check(p);
    }

    /** Opens {@code f} for writing (created 0600 when missing, never through a link), e.g. to hold a lock on it. */
    public FileChannel openForWrite(Path f) {
        Path p = inside(f);
        createDirectories(p.getParent());
        if (Files.exists(p, NOFOLLOW)) check(p);
        try {
            Set<OpenOption> options = Set.of(StandardOpenOption.CREATE, StandardOpenOption.WRITE, NOFOLLOW);
            FileChannel ch = posix ? FileChannel.open(p, options, FILE_MODE) : FileChannel.open(p, options);
            check(p);
            return ch;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot open " + p + ": " + e.getMessage(), e);
        }
    }

    /** Checks every entry directly in {@code dir} (when it exists), the directory itself too. */
    public void checkEntries(Path dir) {
        Path d = inside(dir);
        if (!checkedParents(d) || !Files.exists(d, NOFOLLOW)) return;
        check(d);
        try (var entries = Files.list(d)) {
            entries.forEach(this::check);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list " + d + ": " + e.getMessage(), e);
        }
    }

    /**
     * Refuses {@code p} unless it is no link, its owner is the user running this, and neither its group nor others may
     * write it. The message names the path, its owner and the fix.
     */
    public void check(Path p) {
        if (!posix) return;
        PosixFileAttributes a;
        try {
            a = Files.readAttributes(p, PosixFileAttributes.class, NOFOLLOW);
        } catch (NoSuchFileException gone) {
            return;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the attributes of " + p + ": " + e.getMessage(), e);
        }
        String owner = a.owner().getName();
        if (a.isSymbolicLink()) {
            String to;
            try {
                to = " to " + Files.readSymbolicLink(p);
            } catch (IOException e) {
                to = "";
            }
            throw new UnsafeFileException(p + " is a symbolic link" + to + " (owned by " + owner + "): backfill never follows a link "
                    + "in its state directory, another user may have planted it; " + removeIt(p));
        }
        Integer uid = uid(p);
        Integer me = CurrentUser.uid();
        if (uid != null && me != null && !uid.equals(me)) {
            throw new UnsafeFileException(p + " is owned by " + owner + ", not by " + CurrentUser.name() + " who runs backfill: "
                    + "its owner could change the ledger or plant links in it; use another --state-dir, or check what is in it "
                    + "and chown " + CurrentUser.name() + " " + p);
        }
        Set<PosixFilePermission> open = EnumSet.noneOf(PosixFilePermission.class);
        open.addAll(a.permissions());
        open.retainAll(OTHERS_WRITE);
        if (!open.isEmpty()) {
            String who = open.size() == 2 ? "its group and by others" : open.contains(PosixFilePermission.GROUP_WRITE) ? "its group" : "others";
            throw new UnsafeFileException(p + " (owner " + owner + ", mode " + PosixFilePermissions.toString(a.permissions())
                    + ") is writable by " + who + ", who could change the ledger or plant links in it; chmod go-w " + p
                    + " (better chmod " + (a.isDirectory() ? "700" : "600") + "), or use another --state-dir");
        }
    }

    private static String removeIt(Path p) {
        return "remove it (rm " + p + ") or use another --state-dir";
    }

    /** The directories from the root down to {@code p}'s parent checked; false when one of them does not exist. */
    private boolean checkedParents(Path p) {
        if (!Files.exists(root, NOFOLLOW)) return false;
        check(root);
        Path at = root;
        Path parent = p.getParent();
        if (parent == null || !parent.startsWith(root)) return true;
        for (Path name : root.relativize(parent)) {
            at = at.resolve(name);
            if (!Files.exists(at, NOFOLLOW)) return false;
            check(at);
            if (!Files.isDirectory(at, NOFOLLOW)) throw new UnsafeFileException(at + " is not a directory; " + removeIt(at));
        }
        return true;
    }

    private Path resolve(Path p) {
        return root.resolve(p).toAbsolutePath().normalize();
    }

    private Path inside(Path p) {
        Path r = resolve(p);
        if (!r.startsWith(root)) throw new IllegalArgumentException(p + " is outside " + root);
        return r;
    }

    private Set<OpenOption> createNew() {
        return Set.of(StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE, NOFOLLOW);
    }

    private FileAttribute<?>[] fileMode() {
        return posix ? new FileAttribute<?>[] {FILE_MODE} : new FileAttribute<?>[0];
    }

    private static Integer uid(Path p) {
        try {
            return (Integer) Files.getAttribute(p, "unix:uid", NOFOLLOW);
        } catch (IOException | UnsupportedOperationException | IllegalArgumentException | ClassCastException e) {
            return null;
        }
    }

    /** The user this process runs as. */
    private static final class CurrentUser {
        private static final Integer UID = lookUp();

        static Integer uid() {
            return UID;
        }

        static String name() {
            return System.getProperty("user.name");
        }

        private static Integer lookUp() {
            try {
                return (int) new com.sun.security.auth.module.UnixSystem().getUid();
            } catch (RuntimeException | LinkageError e) {
                return null;
            }
        }
    }
}
