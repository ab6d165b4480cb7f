package com.synapbackfill.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** {@code backfill emulator --port N ...}, the form its help shows, starts the emulator on that port. */
class EmulatorCommandIT {
    @Test
    void theDocumentedFlagsReachTheEmulator() throws Exception {
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        Process p = CliIT.start(Map.of(), "emulator", "--port", Integer.toString(port), "--rate-limit", "60");
        try (BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
            String line = out.readLine();
            for (int i = 0; i < 20 && line != null && !line.startsWith("Synap emulator on"); i++) line = out.readLine();
            assertThat(line).as("the emulator's start line").isNotNull().contains("Synap emulator on http://127.0.0.1:" + port).contains("rate limit 60/min");
            HttpResponse<String> health = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/health")).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(health.statusCode()).isEqualTo(200);
        } finally {
            p.destroyForcibly().waitFor();
        }
    }
}
