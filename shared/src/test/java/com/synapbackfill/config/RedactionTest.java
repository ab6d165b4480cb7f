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

    @Test
    void credentialsInUrlsAndBearerTokensAreHidden() {
        org.assertj.core.api.Assertions.assertThat(Redaction.secret("jdbc:mysql://app:s3cret@db:3306/x and Authorization: Bearer abc.DEF-123", null))
                .isEqualTo("jdbc:mysql://app:<redacted>@db:3306/x and Authorization: Bearer <redacted>");
        org.assertj.core.api.Assertions.assertThat(com.synapbackfill.source.JdbcConnectionSettings.redactUrl("jdbc:mysql://app:s3cret@db:3306/x?password=p"))
                .isEqualTo("jdbc:mysql://app:<redacted>@db:3306/x?password=<redacted>");
    }

    @Test
    void aSourceUrlWithoutTlsToAnotherMachineIsNamed() {
        org.assertj.core.api.Assertions.assertThat(new com.synapbackfill.source.JdbcConnectionSettings("jdbc:postgresql://db.internal:5432/app", "u", "p").tlsWarning())
                .contains("asks for no TLS").contains("sslmode=verify-full");
        org.assertj.core.api.Assertions.assertThat(new com.synapbackfill.source.JdbcConnectionSettings("jdbc:postgresql://db.internal:5432/app?sslmode=verify-full", "u", "p").tlsWarning()).isNull();
        org.assertj.core.api.Assertions.assertThat(new com.synapbackfill.source.JdbcConnectionSettings("jdbc:mysql://db:3306/app?sslMode=VERIFY_IDENTITY", "u", "p").tlsWarning()).isNull();
        org.assertj.core.api.Assertions.assertThat(new com.synapbackfill.source.JdbcConnectionSettings("jdbc:mariadb://127.0.0.1:3306/app", "u", "p").tlsWarning()).isNull();
        org.assertj.core.api.Assertions.assertThat(new com.synapbackfill.source.JdbcConnectionSettings("jdbc:mysql://app:pw@db:3306/x", "u", "p").tlsWarning())
                .doesNotContain("pw@");
    }
}
