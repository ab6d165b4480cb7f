package com.synapbackfill.cli;

import com.synapbackfill.emulator.EmulatorFlags;
import com.synapbackfill.emulator.EmulatorSettings;
import com.synapbackfill.emulator.SynapEmulator;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/** {@code backfill emulator [flags]}: the Synap emulator, standalone, until interrupted. */
@Command(name = "emulator", description = "Run the Synap API emulator standalone (flags: --help-flags).",
        footer = {"", "Examples:", "  backfill emulator --port 8080 --rate-limit 600 --latency-p50-ms 150 --latency-p95-ms 400",
                "  backfill emulator --faults --duplicates conflict --seed 3",
                "  backfill emulator --credits 1000 --isolation b2c          # a wallet of 1,000 credits, a B2C Instance"})
final class EmulatorCommand implements Callable<Integer> {
    @Parameters(arity = "0..*", paramLabel = "FLAG", description = "emulator flags, see --help-flags")
    List<String> flags = List.of();

    @picocli.CommandLine.Option(names = "--help-flags", description = "list the emulator's flags")
    boolean helpFlags;

    @Override
    public Integer call() throws InterruptedException {
        if (helpFlags) {
            System.out.println(EmulatorFlags.usage());
            return BackfillCommand.OK;
        }
        EmulatorSettings settings = EmulatorFlags.parse(flags.toArray(String[]::new));
        SynapEmulator emulator = SynapEmulator.start(settings);
        System.out.println("Synap emulator on " + emulator.baseUrl() + " — API key " + settings.instances().keySet()
                + ", rate limit " + settings.rateLimitPerMinute() + "/min. Ctrl-C to stop.");
        EmulatorSettings.Instance inst = settings.instances().values().iterator().next();
        if (inst.isolation() != EmulatorSettings.Isolation.UNREPORTED)
            System.out.println("  Instance isolation: " + inst.isolation() + " (whoami: user_context_isolation " + inst.isolation().wire() + ")");
        if (settings.credits() != null)
            System.out.printf("  Credits: balance %,.0f, %s per accepted document; %s%n", settings.credits().balance(),
                    java.math.BigDecimal.valueOf(settings.credits().perDocument()).stripTrailingZeros().toPlainString(), settings.credits().overages()
                            ? "overages on (past zero the balance goes negative)" : "overages off (402 when the balance cannot cover a call)");
        Runtime.getRuntime().addShutdownHook(new Thread(emulator::close));
        new CountDownLatch(1).await();
        return BackfillCommand.OK;
    }
}
