package com.levqor.api;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Typed reads of a JSON object's fields that collect every problem, so one 400 answer names them
 * all in {@code details}. Call {@link #validate()} after the reads.
 */
public final class Fields {
    private final ObjectNode node;
    private final Map<String, String> problems = new LinkedHashMap<>();

    public Fields(ObjectNode node) {
        this.node = node;
    }

    public void problem(String field, String problem) {
        problems.putIfAbsent(field, problem);
    }

    /** Every field not in {@code known} is a problem: typos must not be silently ignored. */
    public Fields onlyKnown(Set<String> known) {
        for (Iterator<String> it = node.fieldNames(); it.hasNext(); ) {
            String name = it.next();
            if (!known.contains(name)) {
                problem(name, "is not a known field");
            }
        }
        return this;
    }

    public Optional<String> optionalString(String field) {
        JsonNode v = node.get(field);
        if (v == null || v.isNull()) {
            return Optional.empty();
        }
        if (!v.isTextual()) {
            problem(field, "must be a string");
            return Optional.empty();
        }
        return Optional.of(v.textValue());
    }

    public String requiredString(String field) {
        if (!node.has(field) || node.get(field).isNull()) {
            problem(field, "is required");
            return null;
        }
        return optionalString(field).orElse(null);
    }

    public Optional<Integer> optionalInt(String field, int min, int max) {
        JsonNode v = node.get(field);
        if (v == null || v.isNull()) {
            return Optional.empty();
        }
        if (!v.isIntegralNumber() || !v.canConvertToInt()) {
            problem(field, "must be a whole number from " + min + " to " + max);
            return Optional.empty();
        }
        int i = v.intValue();
        if (i < min || i > max) {
            problem(field, "must be a whole number from " + min + " to " + max);
            return Optional.empty();
        }
        return Optional.of(i);
    }

    /** The raw node of a field (any JSON type), or empty. */
    public Optional<JsonNode> optionalNode(String field) {
        JsonNode v = node.get(field);
        return v == null || v.isNull() ? Optional.empty() : Optional.of(v);
    }

    public boolean hasProblems() {
        return !problems.isEmpty();
    }

    /** Throws 400 {@code invalid_request} naming every problem found, if any. */
    public void validate() {
        if (!problems.isEmpty()) {
            String first = problems.entrySet().iterator().next().getKey();
            String message = problems.size() == 1
                    ? "Field '" + first + "' " + problems.get(first) + "."
                    : problems.size() + " fields are invalid: " + String.join(", ", problems.keySet()) + ".";
            throw ApiException.invalid(message, problems);
        }
    }
}
