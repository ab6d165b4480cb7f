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
    public String put(String key, byte[] content, String contentType) {
        Path p = root.resolve(key).normalize();
        if (!p.startsWith(root.normalize())) throw new IllegalArgumentException("report key escapes the report directory: " + key);
        try {
            Files.createDirectories(p.getParent());
            Files.write(p, content);
            return p.toAbsolutePath().toString();
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
