package com.synapbackfill.report;

import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/** A {@link ReportStore} in memory: the fake for service tests. */
public final class InMemoryReportStore implements ReportStore {
    private final Map<String, byte[]> objects = new ConcurrentHashMap<>();

    @Override
    public String put(String key, byte[] content, String contentType) {
        objects.put(key, content.clone());
        return location(key);
    }

    @Override
    public String location(String key) {
        return "memory://" + key;
    }

    @Override
    public Optional<byte[]> get(String key) {
        return Optional.ofNullable(objects.get(key));
    }

    @Override
    public java.util.List<String> list(String prefix) {
        return objects.keySet().stream().filter(k -> k.startsWith(prefix)).sorted().toList();
    }
}
