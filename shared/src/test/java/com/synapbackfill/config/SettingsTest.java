package com.synapbackfill.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class SettingsTest {
    @Test
    void everyVariableReadIsKnownSoATypoInAFunctionsEnvironmentCanBeNamed() {
        Set<String> read = new HashSet<>();
        Map<String, String> env = new HashMap<>(Map.of("LEDGER_TABLE", "t", "SOURCE_TABLE", "turns", "SOURCE_SHAPE", "messages",
                "SOURCE_COLUMNS", "conversationId=chat_id,role=role,text=content,createdAt=created_at,userId=user_id,id=id",
                "RATE_LIMIT_UNIT", "CALL", "SYNAP_MODE", "fast", "REQUIRE_CUSTOMER_ID", "false", "DOCUMENT_ID_TEMPLATE", "b:{conversation_id}:{id}"));
        Settings.fromEnvironment(env, read);
        assertThat(read).hasSizeGreaterThan(30);
        assertThat(Settings.KNOWN_ENV).containsAll(read);
    }

    @Test
    void defaultsAreTheDocumentedOnesGroupedByConcern() {
        Settings s = Settings.fromEnvironment(Map.of("LEDGER_TABLE", "t"));
        assertThat(s.synap().baseUrl()).isEqualTo(com.synapbackfill.synap.SynapClientConfig.DEFAULT_BASE_URL);
        assertThat(s.synap().maxAttempts()).isEqualTo(8);
        assertThat(s.synap().backoffBase()).isEqualTo(Duration.ofMillis(100));
        assertThat(s.synap().callTimeout()).isEqualTo(Duration.ofSeconds(40));
        assertThat(s.worker().lease()).isEqualTo(Duration.ofMinutes(3));
        assertThat(s.worker().reserve()).isEqualTo(Duration.ofSeconds(45)); // one slow call + 5 s
        assertThat(s.worker().runStatusCache()).isEqualTo(Duration.ofSeconds(3));
        assertThat(s.worker().shardRetryDelayBase()).isEqualTo(Duration.ofSeconds(5));
        assertThat(s.planner().tuneHeadroom()).isEqualTo(1.5);
        assertThat(s.rateScope()).isEqualTo("default");
        assertThat(s.runDefaults()).isEmpty();
        assertThat(s.source().jdbcUrl()).isNull();
        // the reserve follows a raised call timeout
        assertThat(Settings.fromEnvironment(Map.of("LEDGER_TABLE", "t", "SYNAP_CALL_TIMEOUT_MS", "60000")).worker().reserve())
                .isEqualTo(Duration.ofSeconds(65));
    }

    @Test
    void aBadValueNamesItsVariable() {
        assertThatThrownBy(() -> Settings.fromEnvironment(Map.of())).hasMessage("LEDGER_TABLE: is required");
        assertThatThrownBy(() -> Settings.fromEnvironment(Map.of("LEDGER_TABLE", "t", "LEASE_SECONDS", "2"))).hasMessageStartingWith("LEASE_SECONDS:");
        assertThatThrownBy(() -> Settings.fromEnvironment(Map.of("LEDGER_TABLE", "t", "TUNE_HEADROOM", "20"))).hasMessageStartingWith("TUNE_HEADROOM:");
        assertThatThrownBy(() -> Settings.fromEnvironment(Map.of("LEDGER_TABLE", "t", "SYNAP_MAX_ATTEMPTS", "many")))
                .hasMessageStartingWith("SYNAP_MAX_ATTEMPTS:");
        assertThatThrownBy(() -> Settings.fromEnvironment(Map.of("LEDGER_TABLE", "t", "RATE_SCOPE", "a b"))).hasMessageStartingWith("RATE_SCOPE:");
    }
}
