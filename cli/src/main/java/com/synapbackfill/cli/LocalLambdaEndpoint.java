package com.synapbackfill.cli;

import com.amazonaws.services.lambda.runtime.RequestStreamHandler;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import com.synapbackfill.json.Json;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Lambda's synchronous Invoke API on a loopback port, serving the real handlers in this process (what
 * {@code sam local start-lambda} offers, without Docker): the CLI's deployed-stack commands and the AWS SDK's
 * Lambda client reach it through LAMBDA_ENDPOINT. A handler exception is answered as Lambda answers it:
 * HTTP 200, {@code X-Amz-Function-Error: Unhandled}, and {@code {"errorMessage","errorType","stackTrace"}}.
 */
public final class LocalLambdaEndpoint implements AutoCloseable {
    private static final Pattern INVOKE = Pattern.compile("^/2015-03-31/functions/([^/]+)/invocations$");

    private final HttpServer server;
    private final Map<String, RequestStreamHandler> functions;

    private LocalLambdaEndpoint(HttpServer server, Map<String, RequestStreamHandler> functions) {
        this.server = server;
        this.functions = functions;
    }

    public static LocalLambdaEndpoint start(Map<String, RequestStreamHandler> functions) throws IOException {
        HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        LocalLambdaEndpoint endpoint = new LocalLambdaEndpoint(server, Map.copyOf(functions));
        server.createContext("/", endpoint::handle);
        server.setExecutor(Executors.newFixedThreadPool(4, r -> {
            Thread t = new Thread(r, "local-lambda");
            t.setDaemon(true);
            return t;
        }));
        server.start();
        return endpoint;
    }

    public String url() {
        return "http://127.0.0.1:" + server.getAddress().getPort();
    }

    private void handle(HttpExchange ex) throws IOException {
        try (ex) {
            Matcher m = INVOKE.matcher(ex.getRequestURI().getPath());
            if (!"POST".equals(ex.getRequestMethod()) || !m.matches()) {
                answer(ex, 404, Map.of("Message", "only POST /2015-03-31/functions/{name}/invocations is served"), null);
                return;
            }
            String name = URLDecoder.decode(m.group(1), StandardCharsets.UTF_8);
            // the SDK may send a function ARN: its last part is the name
            if (name.startsWith("arn:")) name = name.substring(name.lastIndexOf(':') + 1);
            RequestStreamHandler handler = functions.get(name);
            if (handler == null) {
                ex.getResponseHeaders().add("x-amzn-ErrorType", "ResourceNotFoundException");
                answer(ex, 404, Map.of("Type", "User", "Message", "Function not found: " + name), null);
                return;
            }
            byte[] event;
            try (InputStream in = ex.getRequestBody()) {
                event = in.readAllBytes();
            }
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            try {
                handler.handleRequest(new ByteArrayInputStream(event), out, new LocalContext(name, 900_000));
            } catch (Exception | Error e) {
                Map<String, Object> error = new LinkedHashMap<>();
                error.put("errorMessage", e.getMessage());
                error.put("errorType", e.getClass().getName());
                error.put("stackTrace", List.of());
                answer(ex, 200, error, "Unhandled");
                return;
            }
            ex.getResponseHeaders().add("Content-Type", "application/json");
            ex.getResponseHeaders().add("X-Amz-Executed-Version", "$LATEST");
            ex.sendResponseHeaders(200, out.size() == 0 ? -1 : out.size());
            if (out.size() > 0) try (OutputStream os = ex.getResponseBody()) {
                out.writeTo(os);
            }
        }
    }

    private static void answer(HttpExchange ex, int status, Map<String, ?> body, String functionError) throws IOException {
        byte[] bytes = Json.writeBytes(body);
        ex.getResponseHeaders().add("Content-Type", "application/json");
        if (functionError != null) ex.getResponseHeaders().add("X-Amz-Function-Error", functionError);
        ex.sendResponseHeaders(status, bytes.length);
        try (OutputStream os = ex.getResponseBody()) {
            os.write(bytes);
        }
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
