package com.levqor.net;

import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;

/**
 * One outbound HTTP request and how much of its answer to take.
 *
 * @param method   HTTP method, upper case
 * @param uri      absolute http(s) URL
 * @param headers  request headers in order (see {@link #headerProblem} for those refused)
 * @param body     request body, or null for none
 * @param deadline total time for the whole exchange: resolving, connecting, sending, the answer's
 *                 headers and (with {@link Body#READ}) its body
 * @param maxAnswerBytes largest answer body read; past it the connection is closed
 * @param answerBody whether the caller waits for the answer's body or only for its status
 */
public record EgressRequest(String method, URI uri, List<Header> headers, byte[] body, Duration deadline,
                            long maxAnswerBytes, Body answerBody) {
    /** What the caller needs of the answer. */
    public enum Body {
        /** The whole body, at most the cap: over it, the exchange fails with {@link AnswerTooLargeException}. */
        READ,
        /**
         * Only the status and headers: the answer comes back as soon as they arrive; the body is read
         * and dropped in the background, within the deadline and the cap (past either, the connection is closed).
         */
        DISCARD
    }

    /** One request header. */
    public record Header(String name, String value) {
        public Header {
            Optional<String> problem = headerProblem(name, value);
            if (problem.isPresent()) {
                throw new IllegalArgumentException("header '" + name + "' " + problem.get());
            }
        }
    }

    /** Headers the client writes itself (framing, connection management, the target): never taken from a caller. */
    public static final Set<String> RESERVED_HEADERS = Set.of("host", "content-length", "transfer-encoding", "connection",
            "keep-alive", "upgrade", "expect", "te", "trailer", "proxy-connection");

    public EgressRequest {
        if (deadline.isNegative() || deadline.isZero()) {
            throw new IllegalArgumentException("deadline must be positive: " + deadline);
        }
        headers = List.copyOf(headers);
    }

    /** Why a header may not be sent (a reserved name, not an HTTP token, or a value with CR, LF or NUL), or empty. */
    public static Optional<String> headerProblem(String name, String value) {
        if (name == null || name.isEmpty() || !name.chars().allMatch(EgressRequest::tokenChar)) {
            return Optional.of("is not a valid header name");
        }
        if (RESERVED_HEADERS.contains(name.toLowerCase(Locale.ROOT))) {
            return Optional.of("is set by Levqor's HTTP client and may not be given");
        }
        if (value == null || value.chars().anyMatch(c -> c == '\r' || c == '\n' || c == 0)) {
            return Optional.of("must not contain CR, LF or NUL");
        }
        return Optional.empty();
    }

    private static boolean tokenChar(int c) {
        return c > 32 && c < 127 && "\"(),/:;<=>?@[\\]{}".indexOf(c) < 0;
    }
}
