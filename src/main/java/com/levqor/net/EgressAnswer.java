package com.levqor.net;

import java.util.List;
import java.util.Map;

/**
 * The answer to an {@link EgressRequest}.
 *
 * @param status  HTTP status
 * @param headers header values by lower-case name, in name order
 * @param body    the body read ({@link EgressRequest.Body#READ}), or empty ({@link EgressRequest.Body#DISCARD})
 */
public record EgressAnswer(int status, Map<String, List<String>> headers, byte[] body) {
}
