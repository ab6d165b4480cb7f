package com.synapbackfill.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.InputStream;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;

/** {@code backfill presets}: every source preset the tool ships, with its app, the version its schema was read from, and the tables it reads. */
@Command(name = "presets", description = "List the source presets: the app, the schema version each was written from, the tables it reads.",
        footer = {"", "Use one with: backfill estimate --preset NAME --jdbc-url ... --db-user ...   (then the same with run)"})
final class PresetsCommand implements Callable<Integer> {
    @Override
    public Integer call() throws Exception {
        PrintStream out = System.out;
        out.printf("%-20s %-20s %-14s %-28s %s%n", "PRESET", "APP", "SHAPE", "READS", "SCHEMA VERSION");
        for (String name : CliConfig.PRESETS) {
            JsonNode p;
            try (InputStream in = PresetsCommand.class.getResourceAsStream("/presets/" + name + ".yaml")) {
                p = new ObjectMapper(new YAMLFactory()).readTree(in);
            }
            List<String> reads = new ArrayList<>();
            if (p.has("reads")) p.get("reads").forEach(t -> reads.add(t.asText()));
            else reads.add(p.path("table").asText());
            out.printf("%-20s %-20s %-14s %-28s %s%n", name, p.path("app").asText(name), p.path("shape").asText("turns"), String.join(", ", reads),
                    p.path("version").asText(""));
        }
        return BackfillCommand.OK;
    }
}
