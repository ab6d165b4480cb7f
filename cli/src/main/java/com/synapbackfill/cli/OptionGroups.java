package com.synapbackfill.cli;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import picocli.CommandLine;
import picocli.CommandLine.Model.OptionSpec;

/**
 * {@code --help}'s option list in sections: what to read, how to send, where the run lives (local, or a deployed
 * stack), and the rest. The options stay where they are declared (mixins shared by several commands); only
 * their listing is grouped.
 */
final class OptionGroups {
    private OptionGroups() {
    }

    static final String SOURCE = "Source (what to read):";
    static final String RUN = "Synap and the run:";
    static final String LOCAL = "Where the run lives, locally (the default):";
    static final String DEPLOYED = "Or on a deployed stack (--stack, or its parts):";
    static final String OTHER = "Other:";

    private static final Map<String, String> GROUP = groups();

    private static Map<String, String> groups() {
        Map<String, String> g = new LinkedHashMap<>();
        for (String o : List.of("--jdbc-url", "--db-user", "--table", "--query", "--allow-function", "--preset", "--shape", "--column", "--user-roles", "--assistant-roles",
                "--join", "--filter", "--since", "--until", "--timestamp-zone", "--from-id", "--to-id", "--sample", "--db"))
            g.put(o, SOURCE);
        for (String o : List.of("--synap-url", "--rate-limit", "--rate-unit", "--batch-size", "--mode", "--shard-rows", "--concurrency",
                "--run-id", "--send", "--via", "--watch", "--reason", "--rows", "--faults"))
            g.put(o, RUN);
        g.put("--state-dir", LOCAL);
        for (String o : List.of("--stack", "--planner-function", "--state-machine", "--ledger-table", "--queue-url", "--report-bucket",
                "--rate-scope", "--region", "--aws"))
            g.put(o, DEPLOYED);
        return g;
    }

    /** The option list, in sections (only the sections the command has). */
    static String render(CommandLine.Help help) {
        Map<String, List<OptionSpec>> sections = new LinkedHashMap<>();
        for (String h : List.of(SOURCE, RUN, LOCAL, DEPLOYED, OTHER)) sections.put(h, new ArrayList<>());
        for (OptionSpec o : help.commandSpec().options()) {
            if (o.hidden()) continue;
            sections.get(GROUP.getOrDefault(o.longestName(), OTHER)).add(o);
        }
        boolean single = sections.values().stream().filter(l -> !l.isEmpty()).count() == 1;
        StringBuilder out = new StringBuilder();
        for (Map.Entry<String, List<OptionSpec>> e : sections.entrySet()) {
            if (e.getValue().isEmpty()) continue;
            if (!single) out.append("%n".formatted()).append(e.getKey()).append("%n".formatted());
            CommandLine.Help.Layout layout = help.createDefaultLayout();
            for (OptionSpec o : e.getValue()) layout.addOption(o, help.parameterLabelRenderer());
            out.append(layout);
        }
        return out.toString();
    }

    /** Installs the grouped listing on {@code cl} and every subcommand. */
    static void install(CommandLine cl) {
        cl.getHelpSectionMap().put(CommandLine.Model.UsageMessageSpec.SECTION_KEY_OPTION_LIST, OptionGroups::render);
        for (CommandLine sub : cl.getSubcommands().values()) install(sub);
    }
}
