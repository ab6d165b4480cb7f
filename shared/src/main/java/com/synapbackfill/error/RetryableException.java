package com.synapbackfill.error;

import java.time.Duration;
import java.util.Optional;

/** A failure that may pass on a later try: 429, 5xx, timeouts, dropped connections, throttled AWS calls. */
public final class RetryableException extends BackfillException {
    private final Duration retryAfter;
    private final String errorClass;

    public RetryableException(String errorClass, String message, int httpStatus, Duration retryAfter, Throwable cause) {
        super(message, httpStatus, cause);
        this.errorClass = errorClass;
        this.retryAfter = retryAfter;
    }

    /** The server's {@code Retry-After}, when it sent a usable one. */
    public Optional<Duration> retryAfter() {
        return Optional.ofNullable(retryAfter);
    }

    @Override
    public String errorClass() {
        return errorClass;
    }
}
