package com.synapbackfill.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
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
    void aVariableOfAnotherPrefixIsNamedWhenItIsOneOrTwoLettersFromAKnownOne() {
        assertThat(UnknownVariables.warnings(Map.of("RATE_LIMIT_PER_MINUT", "600", "DYNAMO_ENDPOINT", "http://localhost:8000")))
                .containsExactly(
                        "Warning: DYNAMO_ENDPOINT is set, but backfill reads no such variable (did you mean DYNAMODB_ENDPOINT?); it has no effect",
                        "Warning: RATE_LIMIT_PER_MINUT is set, but backfill reads no such variable (did you mean RATE_LIMIT_PER_MINUTE?); it has no effect");
    }

    @Test
    void theVariablesItReadsAndTheRestOfAnEnvironmentAreLeftAlone() {
        Map<String, String> env = new java.util.HashMap<>();
        for (String name : List.of("SYNAP_BASE_URL", "SOURCE_DB_PASSWORD", "SYNAP_API_KEY", "RATE_LIMIT_PER_MINUTE", "LOG_LEVEL",
                "SYNAPSE_HOME", "PATH", "HOME", "USER", "LOGNAME", "HOSTNAME", "SHELL", "PWD", "OLDPWD", "SHLVL", "LANG", "LC_ALL", "TERM",
                "TMPDIR", "JAVA_HOME", "MAVEN_OPTS", "JDK_JAVA_OPTIONS", "_JAVA_OPTIONS", "AWS_REGION", "AWS_DEFAULT_REGION",
                "AWS_PROFILE", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_ENDPOINT_URL", "AWS_CA_BUNDLE",
                "SSL_CERT_FILE", "SSL_CERT_DIR", "CURL_CA_BUNDLE", "REQUESTS_CA_BUNDLE", "PYENV_ROOT", "DEBIAN_FRONTEND",
                "XDG_RUNTIME_DIR", "CI", "GITHUB_ACTIONS", "RUNNER_TEMP", "DOCKER_HOST"))
            env.put(name, "x");
        assertThat(UnknownVariables.warnings(env)).isEmpty();
    }
}
