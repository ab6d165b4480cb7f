package com.synapbackfill.report;

import com.synapbackfill.files.PrivateFiles;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.Optional;

/**
 * {@link ReportStore} in a local directory (the CLI's local runs). Reports, failures and receipts hold chat fragments: the
 * directory is a {@link PrivateFiles} one (directories 0700, files 0600, no link followed, nothing another user owns or
 * may write is read or written).
 */
public final class FileReportStore implements ReportStore {
    private final Path root;
    private final PrivateFiles files;

    public FileReportStore(Path root) {
        this.files = new PrivateFiles(root);
        this.root = files.root();
    }

    @Override
    public String location(String key) {
        return root.resolve(key).normalize().toAbsolutePath().toString();
    }

    @Override
    public String put(String key, byte[] content, String contentType) {
        // written beside and moved into place: a reader never sees half an object
        files.write(path(key), content);
        return location(key);
    }

    @Override
    public String put(String key, String contentType, Content content) {
        files.write(path(key), content::writeTo);
        return location(key);
    }

    @Override
    public java.util.List<String> list(String prefix) {
        // the deepest directory the prefix names, walked; keys use '/' whatever the platform
        int slash = prefix.lastIndexOf('/');
        Path dir = path(slash < 0 ? "" : prefix.substring(0, slash));
        if (!files.exists(dir) || !Files.isDirectory(dir, LinkOption.NOFOLLOW_LINKS)) return java.util.List.of();
        // Files.walk follows no link; every entry met is checked as it would be when read
        try (java.util.stream.Stream<Path> entries = Files.walk(dir)) {
            return entries.peek(files::check).filter(p -> Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS))
                    .map(p -> root.relativize(p.normalize()).toString().replace(java.io.File.separatorChar, '/'))
                    .filter(k -> k.startsWith(prefix) && !k.endsWith(".tmp")).sorted().toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public Optional<byte[]> get(String key) {
        return files.read(path(key));
    }

    private Path path(String key) {
        Path p = root.resolve(key).normalize();
        if (!p.startsWith(root)) throw new IllegalArgumentException("report key escapes the report directory: " + key);
        return p;
    }
}
