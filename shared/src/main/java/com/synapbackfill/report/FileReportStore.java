package com.synapbackfill.report;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/** {@link ReportStore} in a local directory (the CLI's local runs). */
public final class FileReportStore implements ReportStore {
    private final Path root;

    public FileReportStore(Path root) {
        this.root = root;
    }

    @Override
    public String location(String key) {
        return root.resolve(key).normalize().toAbsolutePath().toString();
    }

    @Override
    public String put(String key, byte[] content, String contentType) {
        Path p = root.resolve(key).normalize();
        if (!p.startsWith(root.normalize())) throw new IllegalArgumentException("report key escapes the report directory: " + key);
        try {
            Files.createDirectories(p.getParent());
            // written beside and moved into place: a reader never sees half an object
            Path tmp = p.resolveSibling(p.getFileName() + ".tmp");
            Files.write(tmp, content);
            Files.move(tmp, p, java.nio.file.StandardCopyOption.REPLACE_EXISTING, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
            return location(key);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public java.util.List<String> list(String prefix) {
        // the deepest directory the prefix names, walked; keys use '/' whatever the platform
        int slash = prefix.lastIndexOf('/');
        Path dir = root.resolve(slash < 0 ? "" : prefix.substring(0, slash)).normalize();
        if (!Files.isDirectory(dir)) return java.util.List.of();
        try (java.util.stream.Stream<Path> files = Files.walk(dir)) {
            return files.filter(Files::isRegularFile)
                    .map(p -> root.normalize().relativize(p.normalize()).toString().replace(java.io.File.separatorChar, '/'))
                    .filter(k -> k.startsWith(prefix) && !k.endsWith(".tmp")).sorted().toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public Optional<byte[]> get(String key) {
        Path p = root.resolve(key).normalize();
        try {
            return Files.exists(p) ? Optional.of(Files.readAllBytes(p)) : Optional.empty();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
