package com.synapbackfill.cli;

import com.synapbackfill.cli.log.PrintableThrowable;
import com.synapbackfill.text.Printable;
import java.util.logging.Level;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * {@code backfill}: the local runner and operator commands. Exit codes: 0 done, 1 other error,
 * 2 bad usage or configuration, 3 run blocked, 4 invariant broken; verify: 3 still pending, 5 extractions failed;
 * 6 no space left under the state directory (the local ledger cannot be written; nothing is lost).
 */
// scope INHERIT: every subcommand takes -h/--help (and -V) too
@Command(name = "backfill", mixinStandardHelpOptions = true, scope = CommandLine.ScopeType.INHERIT, versionProvider = BackfillCommand.Version.class,
        description = "Replays historical chat turns from SQL into Synap memory.",
        subcommands = {DemoCommand.class, RunCommand.class, StartCommand.class, StatusCommand.class, ResumeCommand.class,
                ReportCommand.class, TuneCommand.class, FailuresCommand.class, RetryFailuresCommand.class, VerifyCommand.class, EstimateCommand.class, PresetsCommand.class, com.synapbackfill.cli.bench.BenchCommand.class, EmulatorCommand.class, CommandLine.HelpCommand.class},
        footer = {"", "Exit codes: 0 done, 1 other error, 2 bad usage/config, 3 run blocked (verify: still pending), 4 invariant broken,",
                "5 (verify) some extractions failed, 6 no space left under --state-dir (nothing lost: free space, run the same command)."})
public final class BackfillCommand implements Runnable {
    /** {@code backfill --version}: the release and the commit it was built from. */
    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            return new String[] {com.synapbackfill.model.BuildInfo.describe()};
        }
    }

    public static final int OK = 0;
    public static final int ERROR = 1;
    public static final int USAGE = 2;
    public static final int BLOCKED = 3;
    public static final int INVARIANT = 4;
    public static final int EXTRACTION_FAILED = 5;
    /** The disk under {@code --state-dir} is full (or too small for the run): nothing was lost, the same command continues. */
    public static final int NO_SPACE = 6;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    // on every subcommand (scope INHERIT); read from the arguments before parsing, so even a parse error honours it
    @CommandLine.Option(names = "--verbose", scope = CommandLine.ScopeType.INHERIT,
            description = "on an error, print its stack trace too (for a bug report); never shown otherwise")
    boolean verbose;

    /** Whether the command line asked for stack traces. */
    static volatile boolean verboseErrors;

    @Override
    public void run() {
        spec.commandLine().usage(System.out);
    }

    public static void main(String[] args) {
        // embedded servers (Tomcat in s3mock, Jetty in DynamoDB Local) log through JUL: keep the console for us
        java.util.logging.Logger.getLogger("").setLevel(Level.WARNING);
        // DynamoDB Local's SQLite (sqlite4java, through JUL) warns with a stack trace for every failed write — a full disk:
        // dozens a second — and DynamoDB Local sets that logger's level itself when it opens its database, so the records
        // are dropped at the handler; the CLI says what happened in one line instead (StateSpace)
        for (var h : java.util.logging.Logger.getLogger("").getHandlers()) {
            h.setLevel(Level.WARNING);
            h.setFilter(r -> r.getLoggerName() == null || !r.getLoggerName().startsWith("com.almworks.sqlite4java"));
        }
        System.exit(execute(args));
    }

    /** Runs the command line and returns the exit code (tests call this instead of main). */
    public static int execute(String... args) {
        verboseErrors = java.util.Arrays.asList(args).contains("--verbose");
        UnknownVariables.warnings(System.getenv()).forEach(w -> System.err.println(Printable.of(w)));
        CommandLine cl = new CommandLine(new BackfillCommand());
        // the emulator's own flags (--port 8080, as its help shows) pass through to it, not to picocli
        cl.getSubcommands().get("emulator").setUnmatchedOptionsArePositionalParams(true);
        // --help: options in sections (source, run, local or deployed), wide enough that examples are not broken mid-token
        OptionGroups.install(cl);
        cl.setUsageHelpWidth(120);
        cl.setExecutionExceptionHandler((ex, line, parsed) -> {
            // an error's message may carry Synap's words or a row's id: controls escaped, in the stack trace too
            if (verboseErrors) PrintableThrowable.of(ex).printStackTrace(line.getErr());
            if (ex instanceof StateSpace.NoSpaceException) {
                line.getErr().println("backfill: " + ex.getMessage());
                return NO_SPACE;
            }
            if (StateSpace.explains(ex).isPresent()) {
                // a write failed on a full disk under the state directory: say that, not the symptom
                line.getErr().println("backfill: " + StateSpace.explains(ex).get());
                return NO_SPACE;
            }
            String aws = awsSetupProblem(ex);
            if (aws != null) {
                line.getErr().println("backfill: " + Printable.of(aws));
                return USAGE;
            }
            if (ex instanceof com.synapbackfill.error.BlockedException) {
                line.getErr().println("backfill: Synap refused: " + Printable.of(ex.getMessage()));
                return BLOCKED;
            }
            if (ex instanceof IllegalArgumentException || ex instanceof com.synapbackfill.error.PermanentException) {
                line.getErr().println("backfill: " + Printable.of(ex.getMessage()));
                return USAGE;
            }
            if (ex instanceof com.synapbackfill.error.RetryableException) {
                // transient (a database or Synap out of reach): nothing is lost, the same command continues
                line.getErr().println("backfill: " + Printable.of(ex.getMessage()) + " (a transient error: nothing was lost; run the same command again once it is reachable)");
                return ERROR;
            }
            line.getErr().println("backfill: unexpected error" + (ex.getMessage() == null ? "" : ": " + Printable.of(ex.getMessage()))
                    + " (" + ex.getClass().getName() + "; nothing was lost, the same command continues the run"
                    + (verboseErrors ? "" : "; --verbose prints the stack trace") + ")");
            return ERROR;
        });
        // a mistyped flag or value: the error and where to look, not the whole usage
        cl.setParameterExceptionHandler((ex, args2) -> {
            CommandLine at = ex.getCommandLine();
            at.getErr().println("backfill: " + Printable.of(ex.getMessage()));
            if (ex instanceof CommandLine.UnmatchedArgumentException u) CommandLine.UnmatchedArgumentException.printSuggestions(u, at.getErr());
            at.getErr().println("See '" + at.getCommandSpec().qualifiedName() + " --help' for the options and examples.");
            return USAGE;
        });
        cl.setExitCodeExceptionMapper(ex -> USAGE);
        return cl.execute(args);
    }

    /** A missing AWS region, credentials or table is the operator's setup, said in their words (exit 2), not a stack trace. */
    static String awsSetupProblem(Throwable ex) {
        for (Throwable t = ex; t != null; t = t.getCause()) {
            if (t instanceof software.amazon.awssdk.services.dynamodb.model.ResourceNotFoundException)
                return "--ledger-table: no such DynamoDB table here (" + ((software.amazon.awssdk.awscore.exception.AwsServiceException) t)
                        .awsErrorDetails().errorMessage() + "); check the name, --stack and --region";
            if (t instanceof software.amazon.awssdk.core.exception.SdkClientException && t.getMessage() != null) {
                if (t.getMessage().contains("Unable to load region"))
                    return "AWS region: none configured; set AWS_REGION (or a profile's region) or pass --region";
                if (t.getMessage().contains("Unable to load credentials"))
                    return "AWS credentials: the default chain found none (AWS_PROFILE, AWS_ACCESS_KEY_ID, SSO, instance role)";
            }
        }
        return null;
    }
}
