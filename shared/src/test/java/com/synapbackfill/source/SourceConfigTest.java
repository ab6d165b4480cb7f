package com.synapbackfill.source;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.synapbackfill.json.Json;
import java.time.Instant;
import org.junit.jupiter.api.Test;

/** The source contract: parsing, defaults, and errors that name the key. */
class SourceConfigTest {
    @Test
    void theCutoverAcceptsInstantsOffsetsAndLocalTimesInTheTimestampZone() {
        SourceConfig c = new SourceConfig("t", null, null, "2026-03-01", "2026-05-31 09:30", "Europe/Berlin", null, null);
        assertThat(c.sinceInstant()).isEqualTo(Instant.parse("2026-02-28T23:00:00Z"));
        assertThat(c.untilInstant()).isEqualTo(Instant.parse("2026-05-31T07:30:00Z"));
        assertThat(new SourceConfig("t", null, null, null, "2026-05-31T09:30:00+02:00", null, null, null).untilInstant())
                .isEqualTo(Instant.parse("2026-05-31T07:30:00Z"));
        assertThatThrownBy(() -> new SourceConfig("t", null, null, null, "yesterday", null, null, null))
                .hasMessageStartingWith("source.until: \"yesterday\" is not a timestamp");
        assertThatThrownBy(() -> new SourceConfig("t", null, null, "2026-06-01", "2026-05-01", null, null, null))
                .hasMessageContaining("source.since: 2026-06-01 is not before source.until 2026-05-01");
        assertThatThrownBy(() -> new SourceConfig("t", null, "now() > created_at", null, null, null, null, null))
                .hasMessageStartingWith("source.filter: a function call (now())");
        assertThatThrownBy(() -> new SourceConfig("t", null, null, null, null, null, "500", "100"))
                .hasMessageContaining("source.fromId: 500 is above source.toId 100");
    }

    @Test
    void columnsAcceptSnakeCaseKeysAndKeepDefaultsForTheRest() throws Exception {
        SourceConfig c = Json.read("{\"table\":\"chat_log\",\"columns\":{\"user_id\":\"account\",\"createdAt\":\"sent_at\",\"customerId\":\"\"}}",
                SourceConfig.class);
        assertThat(c.columns().userId()).isEqualTo("account");
        assertThat(c.columns().createdAt()).isEqualTo("sent_at");
        assertThat(c.columns().customerId()).isEmpty(); // none
        assertThat(c.columns().userText()).isEqualTo("user_text");
        assertThat(c.columns().describe("created_at is null")).isEqualTo("sent_at is null");
        // the ledger's snapshot reads back as the same contract
        assertThat(Json.read(Json.write(c), SourceConfig.class)).isEqualTo(c);
        assertThatThrownBy(() -> ColumnMapping.of("--column", java.util.Map.of("author", "x")))
                .hasMessageContaining("--column: unknown field \"author\"");
    }
}
