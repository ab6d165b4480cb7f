package com.synapbackfill.emulator;

import java.time.Clock;
import java.util.Objects;

/**
 * What a running emulator answers by now, each replaceable mid-run: its settings, the clock documents are queued and
 * extracted on, and the credit wallet (null when credits are not modelled). An endpoint reads each once per call.
 */
final class LiveSettings {
    private volatile EmulatorSettings settings;
    private volatile Clock clock = Clock.systemUTC();
    private volatile CreditWallet wallet;

    LiveSettings(EmulatorSettings settings) {
        this.settings = settings;
        this.wallet = settings.credits() == null ? null : new CreditWallet(settings.credits());
    }

    EmulatorSettings settings() {
        return settings;
    }

    Clock clock() {
        return clock;
    }

    CreditWallet wallet() {
        return wallet;
    }

    void useClock(Clock clock) {
        this.clock = Objects.requireNonNull(clock, "clock");
    }

    /** New settings; the wallet starts afresh only when the credit settings changed. */
    void reconfigure(EmulatorSettings newSettings) {
        if (!Objects.equals(newSettings.credits(), settings.credits()))
            wallet = newSettings.credits() == null ? null : new CreditWallet(newSettings.credits());
        this.settings = newSettings;
    }
}
