package com.synapbackfill.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.synapbackfill.model.Counters;
import org.junit.jupiter.api.Test;

class ThrottleHintTest {
    @Test
    void moreThanFivePercentOf429sGivesTheRateSynapTookAsAFlag() {
        // 600 answered calls in 2 minutes, 90 refused with 429: 13 % throttled, Synap took ~300 calls/min
        String hint = OperatorCommand.throttleHint(new Counters(0, 0, 0, 0, 0, 600, 90), 120);
        assertThat(hint).contains("13.0 % of calls were throttled (429)").contains("--rate-limit 300");
        assertThat(OperatorCommand.throttleHint(new Counters(0, 0, 0, 0, 0, 600, 20), 120)).as("3 %: no hint").isNull();
        assertThat(OperatorCommand.throttleHint(new Counters(0, 0, 0, 0, 0, 5, 5), 10)).as("too few calls to tell").isNull();
    }
}
