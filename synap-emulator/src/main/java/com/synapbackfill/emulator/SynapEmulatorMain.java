package com.synapbackfill.emulator;

import java.time.Duration;
import java.util.concurrent.CountDownLatch;

/**
 * {@code java -jar synap-emulator-all.jar --port 8080 --rate-limit 600 --latency-p50-ms 150 ...}: runs the
 * emulator until the process is stopped. {@code --help} lists the flags.
 */
public final class SynapEmulatorMain {
    private SynapEmulatorMain() {
    }

    public static void main(String[] args) throws InterruptedException {
        EmulatorSettings settings;
        try {
            settings = EmulatorFlags.parse(args);
        } catch (EmulatorFlags.HelpRequested h) {
            System.out.println(EmulatorFlags.usage());
            return;
        } catch (IllegalArgumentException e) {
            System.err.println("synap-emulator: " + e.getMessage());
            System.err.println(EmulatorFlags.usage());
            System.exit(2);
            return;
        }
        SynapEmulator emulator = SynapEmulator.start(settings);
        System.out.println("Synap emulator on " + emulator.baseUrl() + "  (API key(s): "
                + String.join(", ", settings.instances().keySet()) + ")");
        Runtime.getRuntime().addShutdownHook(new Thread(emulator::close));
        new CountDownLatch(1).await();
    }

    static Duration millis(String v) {
        return Duration.ofMillis(Long.parseLong(v));
    }
}
