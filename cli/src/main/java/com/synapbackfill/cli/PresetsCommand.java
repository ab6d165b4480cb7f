package com.synapbackfill.cli;

import java.io.PrintStream;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code backfill presets}: every source preset the tool ships, with its app, the version its schema was read from, and the tables it reads. */
@Command(name = "presets", description = "List the source presets: the app, the version of the app each was read from, the tables it reads.",
        footer = {"", "--files adds the repository and the files of the app read for each (what to read again against a newer release).",
                "", "Use one with: backfill estimate --preset NAME --jdbc-url ... --db-user ...   (then the same with run)"})
final class PresetsCommand implements Callable<Integer> {
    @Option(names = "--files", description = "also list the app's repository and the files its schema was read from") boolean files;

    @Override
    public Integer call() {
        PrintStream out = System.out;
        out.printf("%-20s %-20s %-14s %-28s %s%n", "PRESET", "APP", "SHAPE", "READS", "VERSION READ");
        for (String name : Presets.NAMES) {
            Presets.Preset p = Presets.load(name, "preset");
            out.printf("%-20s %-20s %-14s %-28s %s%n", name, p.app(), p.shape(), String.join(", ", p.reads()), p.version());
            if (files) {
                out.printf("%-20s %s%n", "", p.repository());
                p.files().forEach(f -> out.printf("%-20s   %s%n", "", f));
            }
        }
        return BackfillCommand.OK;
    }
}
