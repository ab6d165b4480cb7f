package com.synapbackfill.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/**
 * Every preset names the app, the version of the app its schema was read from, the repository and the files read there, and its
 * header cites each file; the registry lists exactly the YAML files shipped; {@code backfill presets} shows each version.
 * docs/sources.md ("Checking a preset against a newer release") says how to read them again.
 */
class PresetsTest {
    @Test
    void everyPresetNamesTheAppTheVersionAndTheFilesItWasReadFrom() {
        List<String> listing = new ArrayList<>();
        for (String name : Presets.NAMES) {
            Presets.Preset p = Presets.load(name, "preset");
            listing.add(name + ": " + p.app() + " " + p.version() + " (" + p.repository() + ": " + String.join(", ", p.files()) + ")");
            assertThat(p.app()).as(name + ": app").isNotBlank();
            assertThat(p.version()).as(name + ": version (the release tag, or the commit, the schema was read at)").isNotBlank()
                    .containsPattern("\\d");
            assertThat(p.repository()).as(name + ": repository").startsWith("github.com/");
            assertThat(p.files()).as(name + ": the files read").isNotEmpty();
            assertThat(p.reads()).as(name + ": the tables read").isNotEmpty();
            for (String f : p.files()) assertThat(p.header()).as(name + ": the header comment cites " + f).contains(f);
            for (String v : p.version().split("[ ,()]+"))
                if (v.matches(".*\\d.*")) assertThat(p.header()).as(name + ": the header comment names the version read, " + v).contains(v);
            for (String t : p.reads()) assertThat(p.header()).as(name + ": the header comment shows table " + t).contains(t);
        }
        System.out.println("Presets and the versions they were read from:\n  " + String.join("\n  ", listing));
    }

    @Test
    void theRegistryListsExactlyThePresetFilesShipped() throws IOException {
        // the tests run in the cli module's directory (Maven's basedir)
        try (Stream<Path> files = Files.list(Path.of("src/main/resources/presets"))) {
            List<String> shipped = files.map(f -> f.getFileName().toString()).filter(f -> f.endsWith(".yaml"))
                    .map(f -> f.substring(0, f.length() - ".yaml".length())).toList();
            assertThat(shipped).containsExactlyInAnyOrderElementsOf(Presets.NAMES);
        }
    }

    @Test
    void presetsCommandShowsEachVersion() {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        PrintStream was = System.out;
        System.setOut(new PrintStream(bytes, true, StandardCharsets.UTF_8));
        try {
            assertThat(new CommandLine(new BackfillCommand()).execute("presets", "--files")).isZero();
        } finally {
            System.setOut(was);
        }
        String out = bytes.toString(StandardCharsets.UTF_8);
        for (String name : Presets.NAMES) {
            Presets.Preset p = Presets.load(name, "preset");
            assertThat(out).contains(name).contains(p.version()).contains(p.repository());
            p.files().forEach(f -> assertThat(out).contains(f));
        }
        assertThat(out).contains("0.8.0, 0.9.3, 0.12.4").contains("flowise@3.1.3");
    }

    @Test
    void anUnknownPresetIsRefusedNamingThePresets() {
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> Presets.load("openwebui", "--preset"))
                .hasMessageContaining("--preset: unknown preset \"openwebui\"").hasMessageContaining(String.join(", ", Presets.NAMES));
    }
}
