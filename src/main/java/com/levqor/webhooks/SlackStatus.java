package com.levqor.webhooks;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

/**
 * The answer of {@code /levqor status} in Slack's message format (an ephemeral message with a
 * mrkdwn section). The facts come from a supplier of "status facts" (today the uptime probe:
 * {@code status} and {@code services}); the queue adds its health to the same map later
 * ({@code mode}, {@code depth}, {@code dlq}…), and every entry is shown.
 */
public final class SlackStatus {
    private final Supplier<Map<String, Object>> facts;

    public SlackStatus(Supplier<Map<String, Object>> facts) {
        this.facts = facts;
    }

    public Map<String, Object> status() {
        Map<String, Object> f = facts.get();
        String overall = String.valueOf(f.getOrDefault("status", "unknown"));
        List<String> lines = new ArrayList<>();
        lines.add("*Levqor* is *" + overall + "*");
        for (Map.Entry<String, Object> e : f.entrySet()) {
            if (e.getKey().equals("status")) {
                continue;
            }
            if (e.getValue() instanceof Map<?, ?> nested) {
                for (Map.Entry<?, ?> n : nested.entrySet()) {
                    lines.add("• " + n.getKey() + ": " + n.getValue());
                }
            } else {
                lines.add("• " + e.getKey() + ": " + e.getValue());
            }
        }
        return message("Levqor status: " + overall, String.join("\n", lines));
    }

    public Map<String, Object> message(String text) {
        return message(text, text);
    }

    private static Map<String, Object> message(String text, String mrkdwn) {
        Map<String, Object> section = new LinkedHashMap<>();
        section.put("type", "section");
        section.put("text", Map.of("type", "mrkdwn", "text", mrkdwn));
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("response_type", "ephemeral");
        m.put("text", text);
        m.put("blocks", List.of(section));
        return m;
    }
}
