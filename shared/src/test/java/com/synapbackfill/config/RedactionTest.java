package com.synapbackfill.config;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class RedactionTest {
    @Test
    void redactsTheSecretAsAWholeTokenOnly() {
        assertThat(Redaction.secret("Is the server running and accepting TCP/IP connections?", "acc"))
                .isEqualTo("Is the server running and accepting TCP/IP connections?");
        assertThat(Redaction.secret("FATAL: password authentication failed (tried acc)", "acc"))
                .isEqualTo("FATAL: password authentication failed (tried <redacted>)");
        assertThat(Redaction.secret("url jdbc:postgresql://h/db?user=u&password=s3cr3t&ssl=true", null))
                .isEqualTo("url jdbc:postgresql://h/db?user=u&password=<redacted>&ssl=true");
        assertThat(Redaction.secret("p4$$w0rd! leaked: p4$$w0rd!", "p4$$w0rd!")).isEqualTo("<redacted> leaked: <redacted>");
        assertThat(Redaction.secret(null, "x")).isEmpty();
    }
}
