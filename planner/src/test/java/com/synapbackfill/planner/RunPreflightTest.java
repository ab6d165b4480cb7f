package com.synapbackfill.planner;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.synapbackfill.model.MemoryDocument;
import com.synapbackfill.model.RunConfig;
import com.synapbackfill.source.SourceConfig;
import com.synapbackfill.synap.BatchResult;
import com.synapbackfill.synap.IngestionStatus;
import com.synapbackfill.synap.SynapApi;
import java.util.List;
import java.util.Optional;
import java.util.OptionalDouble;
import org.junit.jupiter.api.Test;

/** The checks before a run: the Instance's isolation against the mapping, the credits against the balance. */
class RunPreflightTest {
    /** A Synap that reports what a test gives it (a unit test's stand-in; CreditsIT runs the same against the emulator). */
    record Answers(String isolation, Double wallet, Double perDocument) implements SynapApi {
        @Override
        public BatchResult batchCreate(List<MemoryDocument> documents) {
            throw new AssertionError("a preflight sends nothing");
        }

        @Override
        public IngestionStatus status(String ingestionId) {
            throw new AssertionError();
        }

        @Override
        public Identity whoami() {
            return new Identity("cli_0123456789abcdef", "inst_0123456789abcdef", isolation);
        }

        @Override
        public Optional<CreditBalance> balance() {
            return wallet == null ? Optional.empty() : Optional.of(new CreditBalance("cli_0123456789abcdef", wallet, false, List.of()));
        }

        @Override
        public OptionalDouble estimateCredits(long documents, String mode) {
            return perDocument == null ? OptionalDouble.empty() : OptionalDouble.of(documents * perDocument);
        }
    }

    static final RunConfig CONFIG = RunConfig.builder(SourceConfig.of("turns")).build();

    @Test
    void aRunOverTheBalanceIsRefusedNamingBothFiguresAndTheOptions() {
        RunPreflight p = new RunPreflight(new Answers(null, 1_000.0, 1.0));
        assertThatThrownBy(() -> p.check(CONFIG, 30_000, true)).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("credits: the run would spend ~30,000 credits (~30,000 documents, Synap's estimate for batch_create, long-range) "
                        + "and the balance is 1,000; nothing was sent. Add credits, or start it with --allow-overage (allowOverage in a start "
                        + "event; a paid plan bills past the balance as overage), or cap it with --max-credits N (maxCredits; N up to 1,000 "
                        + "fits the balance)");
        // a cap within the balance fits without overage; over it, only with it
        assertThat(p.check(CONFIG.toBuilder().maxCredits(900L).build(), 30_000, true).config().maxCredits()).isEqualTo(900L);
        assertThatThrownBy(() -> p.check(CONFIG.toBuilder().maxCredits(2_000L).build(), 30_000, true)).hasMessageContaining("capped by --max-credits");
        RunPreflight.Outcome o = p.check(CONFIG.toBuilder().allowOverage(true).maxCredits(2_000L).build(), 30_000, true);
        assertThat(o.notes()).contains("Credits: ~30,000 documents ≈ 30,000 credits (Synap's estimate for batch_create, long-range), capped "
                + "at 2,000 by --max-credits (2,000 documents at 1 credits each); balance 1,000: it overruns the balance by ~1,000");
        assertThat(o.config().creditsPerDocument()).isEqualTo(1.0);
    }

    @Test
    void aRunWithinTheBalanceSaysWhatItLeavesAndRecordsThePriceOfADocument() {
        RunPreflight.Outcome o = new RunPreflight(new Answers(null, 100_000.0, 0.5)).check(CONFIG, 2_000, true);
        assertThat(o.notes()).containsExactly(
                "Synap does not report the Instance's isolation (whoami has no user_context_isolation): ids are sent as mapped",
                "Credits: ~2,000 documents ≈ 1,000 credits (Synap's estimate for batch_create, long-range); balance 100,000: it leaves ~99,000");
        assertThat(o.config().creditsPerDocument()).isEqualTo(0.5);
        assertThat(o.config().creditPrice().perDocument()).isEqualByComparingTo("0.5");
    }

    @Test
    void aSynapWithoutCreditsStartsUncheckedAndSaysSo() {
        RunPreflight.Outcome o = new RunPreflight(new Answers(null, null, null)).check(CONFIG, 2_000, true);
        assertThat(o.notes().get(1)).isEqualTo("Credits: ~2,000 documents, not priced (Synap answered no estimate); balance unknown (Synap reports none)");
        assertThat(o.config().creditsPerDocument()).isNull();
        assertThat(o.config().creditPrice().byDocuments()).as("a cap then counts documents").isTrue();
    }

    @Test
    void aPriceThatRoundsToZeroInThousandthsIsKeptExactAndAZeroOrMissingOneCapsByDocuments() {
        // 30,000 × 0.0001 is 3.0000000000000004 as a float: the price is still the decimal Synap meant
        RunPreflight.Outcome tiny = new RunPreflight(new Answers(null, 100_000.0, 0.0001)).check(CONFIG.toBuilder().maxCredits(50L).build(),
                30_000, true);
        assertThat(tiny.config().creditPrice().perDocument()).isEqualByComparingTo("0.0001");
        assertThat(tiny.config().creditPrice().documentsUnder(50)).isEqualTo(500_000);
        assertThat(tiny.notes().get(1)).isEqualTo("Credits: ~30,000 documents ≈ 3 credits (Synap's estimate for batch_create, long-range), "
                + "capped at 50 by --max-credits (500,000 documents at 0.0001 credits each); balance 100,000: it leaves ~99,997");
        RunPreflight.Outcome zero = new RunPreflight(new Answers(null, 100_000.0, 0.0)).check(CONFIG.toBuilder().maxCredits(50L).build(),
                250, true);
        assertThat(zero.config().creditsPerDocument()).as("no usable price").isNull();
        assertThat(zero.notes().get(1)).isEqualTo("Credits: ~250 documents, priced at 0 credits (Synap's estimate for batch_create, "
                + "long-range); Synap gave no price for these documents: --max-credits 50 caps the run at 50 documents; balance 100,000: "
                + "it leaves ~100,000");
        RunPreflight.Outcome none = new RunPreflight(new Answers(null, null, null)).check(CONFIG.toBuilder().maxCredits(50L).build(), 250, true);
        assertThat(none.notes().get(1)).isEqualTo("Credits: ~250 documents, not priced (Synap answered no estimate); Synap gave no price "
                + "for these documents: --max-credits 50 caps the run at 50 documents; balance unknown (Synap reports none)");
    }

    @Test
    void b2bNeedsACustomerMappingAndMakesItRequired() {
        RunPreflight p = new RunPreflight(new Answers(SynapApi.B2B, null, null));
        assertThatThrownBy(() -> p.check(CONFIG, 10, false)).hasMessageStartingWith("customerId: the Synap Instance is B2B");
        RunPreflight.Outcome o = p.check(CONFIG, 10, true);
        assertThat(o.config().requireCustomerId()).isTrue();
        assertThat(o.config().omitCustomerId()).isFalse();
    }

    @Test
    void b2cSendsUserIdsAloneAndRefusesARequiredCustomer() {
        RunPreflight p = new RunPreflight(new Answers(SynapApi.B2C, null, null));
        RunPreflight.Outcome mapped = p.check(CONFIG, 10, true);
        assertThat(mapped.config().omitCustomerId()).isTrue();
        assertThat(mapped.notes().get(0)).contains("customer_id is not sent").contains("scoping.py");
        RunPreflight.Outcome unmapped = p.check(CONFIG, 10, false);
        assertThat(unmapped.config().omitCustomerId()).isFalse();
        assertThatThrownBy(() -> p.check(CONFIG.toBuilder().requireCustomerId(true).build(), 10, true))
                .hasMessageStartingWith("requireCustomerId: the Synap Instance is B2C");
    }

    @Test
    void theControlsAndTheScopeSurviveTheLedgersSnapshotAndAnOldSnapshotKeepsTheDefaults() throws Exception {
        RunConfig c = CONFIG.toBuilder().allowOverage(true).maxCredits(2_000L).creditsPerDocument(0.25).omitCustomerId(true).build();
        RunConfig back = com.synapbackfill.json.Json.MAPPER.readValue(com.synapbackfill.json.Json.write(c), RunConfig.class);
        assertThat(back).isEqualTo(c);
        com.fasterxml.jackson.databind.node.ObjectNode old = com.synapbackfill.json.Json.MAPPER.valueToTree(CONFIG);
        for (String f : List.of("allowOverage", "maxCredits", "creditsPerDocument", "omitCustomerId")) old.remove(f);
        RunConfig legacy = com.synapbackfill.json.Json.MAPPER.treeToValue(old, RunConfig.class);
        assertThat(legacy.allowOverage()).isFalse();
        assertThat(legacy.maxCredits()).isNull();
        assertThat(legacy.omitCustomerId()).isFalse();
        assertThatThrownBy(() -> CONFIG.toBuilder().maxCredits(0L).build()).hasMessageStartingWith("maxCredits: must be >= 1");
    }
}
