package com.synapbackfill.synap;

import com.fasterxml.jackson.databind.JsonNode;
import com.synapbackfill.error.BackfillException;
import com.synapbackfill.error.BlockedException;
import com.synapbackfill.error.PermanentException;
import com.synapbackfill.error.RetryableException;
import com.synapbackfill.json.Json;
import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;

/**
 * What a Synap answer other than 200 means (docs/synap-api.md §5): the status code, the FastAPI {@code detail},
 * a 429 that is a credit stop, {@code Retry-After}. One place, for every call the client makes.
 */
final class SynapErrors {
    private static final int MAX_DETAIL = 500;

    private SynapErrors() {
    }

    /** Error codes of a 429 that is a credit stop, not a rate limit (SDK 0.6.9 {@code _CREDIT_ERRORS}). */
    private static final List<String> CREDIT_ERRORS = List.of("insufficient_credits", "trial_limit_reached");

    /**
     * Maps a non-200 answer to the exception family: docs/synap-api.md §5.2, updated for SDK 0.6.9 (403 is an
     * auth refusal; a 409 may be {@code instance_not_ready}, which clears after its cooldown, or
     * {@code instance_build_failed}; a 429 with a {@code reason} is a credit stop, not a rate limit).
     */
    static BackfillException fromStatus(int code, String body, Duration retryAfter) {
        return fromStatus(code, body, retryAfter, "");
    }

    /** As {@link #fromStatus(int, String, Duration)}, the detail followed by {@code suffix} (the correlation id). */
    static BackfillException fromStatus(int code, String body, Duration retryAfter, String suffix) {
        String detail = detail(body);
        String said = detail + suffix; // what messages show: the detail and the correlation id support asks for
        String msg = "HTTP " + code + ": " + said;
        JsonNode json = parseQuietly(body);
        JsonNode det = json.path("detail").isObject() ? json.path("detail") : json;
        String errorCode = json.path("detail").path("code").asText(json.path("error").asText(json.path("code").asText("")));
        return switch (code) {
            // the detail a failure row keeps carries the correlation id support asks for
            case 400, 422 -> new PermanentException(PermanentException.Kind.INVALID_INPUT, msg, code, said, null);
            case 401 -> new BlockedException(BlockedException.Reason.AUTH, "Synap refused the API key (401): " + said, code);
            case 402 -> new BlockedException(BlockedException.Reason.CREDITS, creditStop("402", det, detail) + suffix, code);
            case 403 -> new BlockedException(BlockedException.Reason.FORBIDDEN, "Synap forbade the call (403): " + said, code);
            case 404 -> new PermanentException(PermanentException.Kind.NOT_FOUND, msg, code, said, null);
            case 409 -> {
                if (errorCode.equals("instance_not_ready")) {
                    Duration wait = retryAfter;
                    if (wait == null && det.hasNonNull("retry_after_seconds")) wait = Duration.ofSeconds(Math.max(1, det.get("retry_after_seconds").asLong()));
                    yield new RetryableException("instance_not_ready", "Synap Instance is still building its memory architecture: " + said,
                            code, wait == null ? Duration.ofSeconds(30) : wait, null);
                }
                if (errorCode.equals("instance_build_failed"))
                    yield new BlockedException(BlockedException.Reason.FORBIDDEN, "Synap Instance build failed (409): " + said, code);
                List<String> named = new ArrayList<>();
                for (JsonNode id : det.path("document_ids")) named.add(id.asText());
                yield new PermanentException(PermanentException.Kind.CONFLICT, msg, code, detail, named, null);
            }
            case 429 -> {
                String reason = det.path("reason").asText("");
                if (!reason.isEmpty() || CREDIT_ERRORS.contains(det.path("error").asText("")))
                    yield new BlockedException(BlockedException.Reason.CREDITS, creditStop("429", det, detail) + suffix, code);
                yield new RetryableException("rate_limited", msg, code, retryAfter, null);
            }
            default -> {
                if (code >= 500) yield new RetryableException("server_error", msg, code, null, null);
                if (code >= 200 && code < 400) yield new RetryableException("unexpected_status", msg, code, null, null);
                yield new PermanentException(PermanentException.Kind.OTHER, msg, code, said, null);
            }
        };
    }

    /**
     * A credit stop in words (SDK 0.6.9 {@code InsufficientCreditsError} / credit-class {@code RateLimitError}): why, the balance
     * and what the call needed when Synap says them, where to fix it, and that the run resumes from its checkpoints then.
     */
    static String creditStop(String status, JsonNode det, String detail) {
        String reason = det.path("reason").asText("");
        if (reason.isEmpty()) reason = det.path("error").asText("");
        StringBuilder m = new StringBuilder("Synap stopped ingestion for credits (").append(status)
                .append(reason.isEmpty() ? "" : " " + reason).append(")");
        if (det.path("balance_credits").isNumber())
            m.append(": balance ").append(Credits.format(det.get("balance_credits").asDouble())).append(" credits");
        if (det.path("minimum_required_credits").isNumber())
            m.append(", this call needs ").append(Credits.format(det.get("minimum_required_credits").asDouble()));
        String message = det.path("message").asText("");
        if (!message.isEmpty()) m.append("; Synap: ").append(message.length() > 200 ? message.substring(0, 200) + "…" : message);
        else if (!det.path("balance_credits").isNumber() && !detail.isEmpty()) m.append(": ").append(detail);
        for (String url : List.of("redeem_url", "manage_url", "upgrade_url", "recovery_url")) {
            if (det.hasNonNull(url)) {
                m.append("; ").append(url.replace("_url", "")).append(": ").append(det.get(url).asText());
                break;
            }
        }
        return m.append("; add credits (or allow overage on the plan), then resume the run: it continues from its checkpoints").toString();
    }

    static JsonNode parseQuietly(String body) {
        try {
            JsonNode n = body == null || body.isBlank() ? null : Json.MAPPER.readTree(body);
            return n == null ? Json.MAPPER.createObjectNode() : n;
        } catch (IOException | RuntimeException e) {
            return Json.MAPPER.createObjectNode();
        }
    }

    /** The FastAPI {@code detail} (string, or the JSON of an object/list), else the raw text; trimmed. */
    static String detail(String body) {
        String d = body == null ? "" : body;
        try {
            JsonNode n = Json.MAPPER.readTree(d);
            if (n != null && n.isObject() && n.has("detail")) {
                JsonNode det = n.get("detail");
                d = det.isTextual() ? det.asText() : det.toString();
            }
        } catch (IOException | RuntimeException ignored) {
            // not JSON: keep the text
        }
        d = d.strip();
        return d.length() > MAX_DETAIL ? d.substring(0, MAX_DETAIL) + "…" : d;
    }

    /** Integer seconds, or an HTTP-date; anything else (absent, "1.5") is null and the backoff decides. */
    /** The longest Retry-After read as asked (anything longer reads as this): a bound for the arithmetic only. */
    static final long MAX_ASKED_SECONDS = 1_000_000_000_000L;

    static Duration retryAfter(String header, Clock clock) {
        if (header == null || header.isBlank()) return null;
        String h = header.trim();
        try {
            long s = Long.parseLong(h);
            // as asked: the client caps what it waits, and says so
            return s >= 0 ? Duration.ofSeconds(Math.min(s, MAX_ASKED_SECONDS)) : null;
        } catch (NumberFormatException notInt) {
            try {
                ZonedDateTime at = ZonedDateTime.parse(h, DateTimeFormatter.RFC_1123_DATE_TIME);
                long ms = at.toInstant().toEpochMilli() - clock.millis();
                return Duration.ofMillis(Math.max(0, Math.min(ms, MAX_ASKED_SECONDS * 1000)));
            } catch (RuntimeException notDate) {
                return null;
            }
        }
    }
}
