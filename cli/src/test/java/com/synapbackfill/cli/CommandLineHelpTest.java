package com.synapbackfill.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.List;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** Every subcommand answers --help with its usage (exit 0), and the ones people run name examples. */
class CommandLineHelpTest {
    static final List<String> WITH_EXAMPLES = List.of("demo", "run", "start", "status", "resume", "report", "tune", "failures",
            "retry-failures", "estimate");

    @Test
    void everySubcommandTakesHelpAndTheOperatorOnesShowExamples() {
        CommandLine root = new CommandLine(new BackfillCommand());
        assertThat(root.getSubcommands().keySet()).containsAll(WITH_EXAMPLES);
        for (String name : root.getSubcommands().keySet()) {
            if (name.equals("help")) continue;
            StringWriter text = new StringWriter();
            CommandLine cl = new CommandLine(new BackfillCommand());
            cl.setOut(new PrintWriter(text));
            assertThat(cl.execute(name, "--help")).as(name + " --help").isZero();
            assertThat(text.toString()).as(name).contains("Usage: backfill " + name);
            if (WITH_EXAMPLES.contains(name)) assertThat(text.toString()).as(name).contains("Examples:");
        }
    }

    /**
     * picocli formats every description, header and footer line: a bare % ("1 % of") makes it warn on stderr and print the
     * line unformatted. Every command's --help is rendered with stderr captured.
     */
    @Test
    void everyHelpTextIsAValidFormatString() {
        java.io.ByteArrayOutputStream err = new java.io.ByteArrayOutputStream();
        java.io.PrintStream was = System.err;
        System.setErr(new java.io.PrintStream(err, true, java.nio.charset.StandardCharsets.UTF_8));
        try {
            java.util.ArrayDeque<CommandLine> todo = new java.util.ArrayDeque<>(List.of(new CommandLine(new BackfillCommand())));
            while (!todo.isEmpty()) {
                CommandLine cl = todo.pop();
                todo.addAll(cl.getSubcommands().values());
                cl.usage(new PrintWriter(new StringWriter()));
            }
        } finally {
            System.setErr(was);
        }
        assertThat(err.toString(java.nio.charset.StandardCharsets.UTF_8)).doesNotContain("picocli WARN");
    }

    @Test
    void commandsThatResumeOrRetryDoNotOfferSettingsTheLedgerAlreadyHolds() {
        CommandLine root = new CommandLine(new BackfillCommand());
        for (String name : List.of("resume", "retry-failures")) {
            assertThat(root.getSubcommands().get(name).getCommandSpec().findOption("--batch-size")).as(name).isNull();
            assertThat(root.getSubcommands().get(name).getCommandSpec().findOption("--jdbc-url")).as(name).isNotNull();
        }
        assertThat(root.getSubcommands().get("run").getCommandSpec().findOption("--batch-size")).isNotNull();
    }

    @org.junit.jupiter.api.Test
    void runsHelpSeparatesTheSourceTheRunAndLocalFromDeployedOptions() {
        java.io.StringWriter text = new java.io.StringWriter();
        picocli.CommandLine cl = new picocli.CommandLine(new BackfillCommand());
        OptionGroups.install(cl);
        cl.setUsageHelpWidth(120);
        cl.setOut(new java.io.PrintWriter(text));
        assertThat(cl.execute("run", "--help")).isZero();
        String help = text.toString();
        int source = help.indexOf(OptionGroups.SOURCE);
        int run = help.indexOf(OptionGroups.RUN);
        int local = help.indexOf(OptionGroups.LOCAL);
        int deployed = help.indexOf(OptionGroups.DEPLOYED);
        assertThat(source).isPositive().isLessThan(run);
        assertThat(run).isLessThan(local);
        assertThat(local).isLessThan(deployed);
        // each option is listed in its section (the synopsis above them names them all)
        assertThat(help.indexOf("--jdbc-url=", source)).isBetween(source, run);
        assertThat(help.indexOf("--join=", source)).isBetween(source, run);
        assertThat(help.indexOf("--rate-limit=<", source)).isBetween(run, local);
        assertThat(help.indexOf("--state-dir=<", source)).isBetween(local, deployed);
        assertThat(help.indexOf("--stack=<", source)).isGreaterThan(deployed);
        assertThat(help.indexOf("--ledger-table=<", source)).isGreaterThan(deployed);
        assertThat(help.lines()).as("no line wider than the usage width").allMatch(l -> l.length() <= 120);
    }

    /**
     * The lists in --preset's and --column's help come from the code (the preset registry, the shapes' field declarations): every
     * preset and every field of every shape is named, in each command that takes them.
     */
    @Test
    void presetAndColumnHelpNameEveryPresetAndEveryField() {
        for (String command : List.of("run", "start", "estimate")) {
            StringWriter text = new StringWriter();
            CommandLine cl = new CommandLine(new BackfillCommand());
            cl.setOut(new PrintWriter(text));
            assertThat(cl.execute(command, "--help")).isZero();
            String help = text.toString().replaceAll("\\s+", " ");
            String preset = help.substring(help.indexOf("--preset=<preset> a source preset"));
            preset = preset.substring(0, preset.indexOf(" --", 1));
            for (String name : Presets.NAMES) assertThat(preset).as(command + " --preset lists " + name).contains(" " + name);
            String column = help.substring(help.indexOf("--column=FIELD=COLUMN the column"));
            column = column.substring(0, column.indexOf(" --", 1));
            for (String field : com.synapbackfill.source.ColumnMapping.DEFAULTS.keySet())
                assertThat(column).as(command + " --column names the turn field " + field).containsPattern("Turn shape:[^.]*\\b" + field + "\\b");
            for (String field : com.synapbackfill.source.MessageShape.DEFAULTS.keySet())
                assertThat(column).as(command + " --column names the message field " + field)
                        .containsPattern("Message and conversations shapes[^;]*\\b" + field + "\\b");
            for (String field : com.synapbackfill.source.MessageShape.MESSAGE_FIELDS)
                assertThat(column).as(command + " --column names " + field + " inside a conversation's message")
                        .containsPattern("in the conversations shape [^.]*\\b" + field + "\\b");
            assertThat(help).doesNotContain("${");
        }
    }
}
