package com.synapbackfill.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Set;

/**
 * The source presets shipped with the tool ({@code cli/src/main/resources/presets/NAME.yaml}): the one list of their
 * names ({@code --preset}'s help, {@code backfill presets}, the error for an unknown name), and each preset read with
 * what it says of itself: the app, the version of the app its schema was read from, the files read, the tables it reads.
 */
final class Presets {
    private Presets() {
    }

    /** Every preset, in the order {@code backfill presets} lists them. */
    static final List<String> NAMES = List.of("open-webui", "lobechat", "flowise", "chainlit", "n8n", "rasa", "langchain-postgres",
            "vercel-ai-chatbot", "chatwoot", "dify");

    /** The keys a preset may set: what a source looks like, never where it is or how fast to go. */
    static final Set<String> SETTINGS = Set.of("table", "query", "textRemove", "columns", "filter", "timestampZone", "shape", "userRoles",
            "assistantRoles", "joins");
    /**
     * A preset's description of itself, never a source setting: the app, the version its schema was read from (a release tag, or
     * the commit where no tag was to be had), the repository, the files read there, and the tables the preset reads.
     */
    static final Set<String> ABOUT = Set.of("app", "version", "repository", "files", "reads");

    /** {@code --preset}'s values, for its help ({@code ${COMPLETION-CANDIDATES}}) and shell completion. */
    static final class Names implements Iterable<String> {
        @Override
        public Iterator<String> iterator() {
            return NAMES.iterator();
        }
    }

    /**
     * One preset as shipped.
     *
     * @param name       as {@code --preset} takes it
     * @param app        the app whose database it reads
     * @param version    the app's version (or versions) its schema was read from
     * @param repository where the app's source is
     * @param files      the files read there
     * @param reads      the tables it reads
     * @param header     the YAML file's leading comment: the schema as read, and why the preset maps it so
     * @param settings   the whole YAML document (the source settings beside the description)
     */
    record Preset(String name, String app, String version, String repository, List<String> files, List<String> reads, String header,
                  JsonNode settings) {
        Preset {
            files = List.copyOf(files);
            reads = List.copyOf(reads);
        }

        /** The shape it reads: turns, messages or conversations. */
        String shape() {
            return settings.path("shape").asText("turns");
        }
    }

    /** The preset named {@code name}; an unknown name fails, listing the presets. */
    static Preset load(String name, String what) {
        if (!NAMES.contains(name))
            throw new IllegalArgumentException(what + ": unknown preset \"" + name + "\"; presets: " + String.join(", ", NAMES));
        byte[] bytes;
        try (InputStream in = Presets.class.getResourceAsStream("/presets/" + name + ".yaml")) {
            if (in == null) throw new IllegalStateException("preset " + name + " is missing from the jar");
            bytes = in.readAllBytes();
        } catch (IOException e) {
            throw new IllegalStateException("preset " + name + ": " + e.getMessage(), e);
        }
        String text = new String(bytes, StandardCharsets.UTF_8);
        JsonNode n;
        try {
            n = new ObjectMapper(new YAMLFactory()).readTree(text);
        } catch (IOException e) {
            throw new IllegalStateException("preset " + name + ": " + e.getMessage(), e);
        }
        for (Iterator<String> it = n.fieldNames(); it.hasNext(); ) {
            String k = it.next();
            if (!SETTINGS.contains(k) && !ABOUT.contains(k))
                throw new IllegalStateException("preset " + name + ": key " + k + " is not a source setting");
        }
        StringBuilder header = new StringBuilder();
        for (String line : text.split("\n", -1)) {
            if (!line.startsWith("#")) break;
            header.append(line.substring(1).strip()).append('\n');
        }
        List<String> reads = strings(n.get("reads"));
        if (reads.isEmpty() && n.hasNonNull("table")) reads = List.of(n.get("table").asText());
        return new Preset(name, n.path("app").asText(""), n.path("version").asText(""), n.path("repository").asText(""),
                strings(n.get("files")), reads, header.toString(), n);
    }

    private static List<String> strings(JsonNode n) {
        List<String> out = new ArrayList<>();
        if (n != null && n.isArray()) n.forEach(e -> out.add(e.asText()));
        return out;
    }
}
