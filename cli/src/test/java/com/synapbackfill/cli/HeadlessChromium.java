package com.synapbackfill.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.synapbackfill.json.Json;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.Response;
import okhttp3.WebSocket;
import okhttp3.WebSocketListener;

/**
 * Debian's Chromium, headless, driven over the DevTools protocol (a WebSocket, OkHttp's): opens a page, waits for its
 * load event, evaluates expressions in it, takes screenshots, and records every request the page made and every
 * script error or console error (a blocked fetch under the page's Content-Security-Policy is one). Installed by
 * {@code scripts/install-chromium}. Waits are on the browser's events, each bounded so a broken browser fails the test.
 */
final class HeadlessChromium implements AutoCloseable {
    private static final long WAIT_SECONDS = 120;
    private final Process process;
    private final Path profile;
    private final OkHttpClient http = new OkHttpClient.Builder().readTimeout(0, TimeUnit.MILLISECONDS).build();
    private final WebSocket socket;
    private final AtomicInteger ids = new AtomicInteger();
    private final Map<Integer, CompletableFuture<JsonNode>> pending = new ConcurrentHashMap<>();
    private final Map<String, CompletableFuture<JsonNode>> awaited = new ConcurrentHashMap<>();
    /** URLs the page requested, in order. */
    final List<String> requests = new CopyOnWriteArrayList<>();
    /** Script exceptions, console errors and log errors (CSP violations among them). */
    final List<String> errors = new CopyOnWriteArrayList<>();

    static HeadlessChromium start() throws Exception {
        return new HeadlessChromium(install());
    }

    /** The browser, from the project's script (which installs Debian's package once). */
    static Path install() throws Exception {
        Path script = Path.of("..", "scripts", "install-chromium").toAbsolutePath().normalize();
        Process p = new ProcessBuilder(script.toString()).redirectError(ProcessBuilder.Redirect.INHERIT).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
        if (!p.waitFor(10, TimeUnit.MINUTES) || p.exitValue() != 0)
            throw new IllegalStateException("scripts/install-chromium failed (exit " + p.exitValue() + ")");
        String[] lines = out.split("\n");
        return Path.of(lines[lines.length - 1].trim());
    }

    private HeadlessChromium(Path binary) throws Exception {
        profile = Files.createTempDirectory("chromium-profile");
        process = new ProcessBuilder(binary.toString(), "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic",
                "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync",
                "--disable-dev-shm-usage", "--hide-scrollbars", "--user-data-dir=" + profile, "--remote-debugging-port=0",
                "--remote-allow-origins=*", "--window-size=1100,900", "about:blank").redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        String browserWs = devToolsUrl(process);
        int port = Integer.parseInt(browserWs.replaceAll("^ws://[^:]+:(\\d+)/.*$", "$1"));
        String pageWs = null;
        try (Response r = http.newCall(new Request.Builder().url("http://127.0.0.1:" + port + "/json/list").build()).execute()) {
            for (JsonNode t : Json.MAPPER.readTree(r.body().string()))
                if ("page".equals(t.path("type").asText())) pageWs = t.path("webSocketDebuggerUrl").asText();
        }
        if (pageWs == null) throw new IllegalStateException("Chromium has no page target");
        CompletableFuture<Void> open = new CompletableFuture<>();
        socket = http.newWebSocket(new Request.Builder().url(pageWs).build(), new WebSocketListener() {
            @Override
            public void onOpen(WebSocket ws, Response response) {
                open.complete(null);
            }

            @Override
            public void onMessage(WebSocket ws, String text) {
                onEvent(text);
            }

            @Override
            public void onFailure(WebSocket ws, Throwable t, Response response) {
                open.completeExceptionally(t);
                pending.values().forEach(f -> f.completeExceptionally(t));
            }
        });
        open.get(WAIT_SECONDS, TimeUnit.SECONDS);
        for (String domain : List.of("Page", "Network", "Runtime", "Log")) call(domain + ".enable", Json.MAPPER.createObjectNode());
    }

    /** Chromium prints "DevTools listening on ws://..." on stderr once it serves the protocol. */
    private static String devToolsUrl(Process p) throws Exception {
        CompletableFuture<String> url = new CompletableFuture<>();
        Thread reader = new Thread(() -> {
            try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getErrorStream(), StandardCharsets.UTF_8))) {
                StringBuilder seen = new StringBuilder();
                for (String line; (line = r.readLine()) != null; ) {
                    Matcher m = Pattern.compile("DevTools listening on (ws://\\S+)").matcher(line);
                    if (m.find()) url.complete(m.group(1));
                    else if (!url.isDone()) seen.append(line).append('\n');
                }
                url.completeExceptionally(new IllegalStateException("Chromium exited without serving DevTools:\n" + seen));
            } catch (IOException e) {
                url.completeExceptionally(e);
            }
        }, "chromium-stderr");
        reader.setDaemon(true);
        reader.start();
        return url.get(WAIT_SECONDS, TimeUnit.SECONDS);
    }

    private void onEvent(String text) {
        JsonNode msg;
        try {
            msg = Json.MAPPER.readTree(text);
        } catch (IOException e) {
            errors.add("unreadable DevTools message: " + text);
            return;
        }
        if (msg.has("id")) {
            CompletableFuture<JsonNode> f = pending.remove(msg.get("id").asInt());
            if (f == null) return;
            if (msg.has("error")) f.completeExceptionally(new IllegalStateException(msg.get("error").toString()));
            else f.complete(msg.path("result"));
            return;
        }
        String method = msg.path("method").asText();
        JsonNode params = msg.path("params");
        switch (method) {
            case "Network.requestWillBeSent" -> requests.add(params.path("request").path("url").asText());
            case "Runtime.exceptionThrown" -> errors.add("exception: " + params.path("exceptionDetails").toString());
            case "Runtime.consoleAPICalled" -> {
                if ("error".equals(params.path("type").asText())) errors.add("console.error: " + params.path("args").toString());
            }
            case "Log.entryAdded" -> {
                if ("error".equals(params.path("entry").path("level").asText())) errors.add("log: " + params.path("entry").path("text").asText());
            }
            default -> {
            }
        }
        CompletableFuture<JsonNode> w = awaited.remove(method);
        if (w != null) w.complete(params);
    }

    JsonNode call(String method, ObjectNode params) throws Exception {
        int id = ids.incrementAndGet();
        CompletableFuture<JsonNode> f = new CompletableFuture<>();
        pending.put(id, f);
        ObjectNode msg = Json.MAPPER.createObjectNode().put("id", id).put("method", method);
        msg.set("params", params);
        if (!socket.send(Json.MAPPER.writeValueAsString(msg))) throw new IllegalStateException("DevTools socket closed");
        return f.get(WAIT_SECONDS, TimeUnit.SECONDS);
    }

    /** Opens {@code url} and returns once its load event fired. */
    void open(String url) throws Exception {
        requests.clear();
        errors.clear();
        CompletableFuture<JsonNode> loaded = new CompletableFuture<>();
        awaited.put("Page.loadEventFired", loaded);
        JsonNode nav = call("Page.navigate", Json.MAPPER.createObjectNode().put("url", url));
        if (nav.hasNonNull("errorText")) throw new IllegalStateException("navigation to " + url + " failed: " + nav.get("errorText"));
        loaded.get(WAIT_SECONDS, TimeUnit.SECONDS);
    }

    /** Evaluates {@code expression} in the page; its value, as JSON. */
    JsonNode evaluate(String expression) throws Exception {
        JsonNode r = call("Runtime.evaluate", Json.MAPPER.createObjectNode().put("expression", expression).put("returnByValue", true));
        if (r.has("exceptionDetails")) throw new IllegalStateException("evaluation failed: " + r.get("exceptionDetails"));
        return r.path("result").path("value");
    }

    /** A PNG of the whole page, {@code width} CSS pixels wide. */
    void screenshot(Path to, int width) throws Exception {
        int height = evaluate("Math.ceil(document.documentElement.scrollHeight)").asInt();
        call("Emulation.setDeviceMetricsOverride", Json.MAPPER.createObjectNode().put("width", width).put("height", height)
                .put("deviceScaleFactor", 1).put("mobile", false));
        JsonNode shot = call("Page.captureScreenshot", Json.MAPPER.createObjectNode().put("format", "png"));
        Files.write(to, Base64.getDecoder().decode(shot.path("data").asText()));
    }

    List<String> requestsBeside(String pageUrl) {
        List<String> out = new ArrayList<>(requests);
        out.removeIf(pageUrl::equals);
        return out;
    }

    @Override
    public void close() {
        socket.close(1000, "done");
        process.destroy();
        try {
            if (!process.waitFor(30, TimeUnit.SECONDS)) process.destroyForcibly();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            process.destroyForcibly();
        }
        http.dispatcher().executorService().shutdown();
        http.connectionPool().evictAll();
    }
}
