package com.synapbackfill.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import org.junit.jupiter.api.Test;

class UnknownVariablesTest {
    @Test
    void aVariableOfTheToolsPrefixesThatNothingReadsIsNamedWithWhatItMostLikelyMeant() {
        var warnings = UnknownVariables.warnings(Map.of("SYNAP_URL", "https://staging", "SOURCE_TABEL", "turns",
                "SOURCE_PASSWORD", "x", "SYNAP_KEY", "k"));
        assertThat(warnings).containsExactly(
                "Warning: SOURCE_PASSWORD is set, but backfill reads no such variable (did you mean SOURCE_DB_PASSWORD?); it has no effect",
                "Warning: SOURCE_TABEL is set, but backfill reads no such variable (did you mean SOURCE_TABLE?); it has no effect",
                "Warning: SYNAP_KEY is set, but backfill reads no such variable (did you mean SYNAP_API_KEY?); it has no effect",
                "Warning: SYNAP_URL is set, but backfill reads no such variable (did you mean SYNAP_BASE_URL?); it has no effect");
    }

    @Test
    void theVariablesItReadsAndOtherPrefixesAreLeftAlone() {
        assertThat(UnknownVariables.warnings(Map.of("SYNAP_BASE_URL", "https://x", "SOURCE_DB_PASSWORD", "p", "SYNAP_API_KEY", "k",
                "PATH", "/bin", "AWS_REGION", "eu-west-1", "SYNAPSE_HOME", "/opt"))).isEmpty();
    }
}
