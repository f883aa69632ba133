package com.levqor.ops;

import static com.levqor.testing.TestServer.admin;
import static org.assertj.core.api.Assertions.assertThat;

import com.levqor.testing.Response;
import com.levqor.testing.TestServer;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** /metrics parses as Prometheus text and carries the runbook's and the design's metrics. */
class MetricsTest {
    static TestServer server;

    @BeforeAll
    static void start() {
        server = TestServer.start();
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    record Sample(String name, Map<String, String> labels, double value) {
    }

    private static final Pattern NAME = Pattern.compile("[a-zA-Z_:][a-zA-Z0-9_:]*");
    private static final Pattern LABEL = Pattern.compile("([a-zA-Z_][a-zA-Z0-9_]*)=\"((?:[^\"\\\\]|\\\\.)*)\"");

    /** A strict reader of the Prometheus text exposition format (version 0.0.4). */
    static List<Sample> parse(String text) {
        List<Sample> samples = new ArrayList<>();
        Map<String, String> types = new HashMap<>();
        for (String line : text.split("\n")) {
            if (line.isEmpty()) {
                continue;
            }
            if (line.startsWith("# HELP ") || line.startsWith("# TYPE ")) {
                String[] parts = line.split(" ", 4);
                assertThat(parts.length).as(line).isGreaterThanOrEqualTo(3);
                assertThat(NAME.matcher(parts[2]).matches()).as(line).isTrue();
                if (line.startsWith("# TYPE ")) {
                    assertThat(parts[3]).as(line).isIn("counter", "gauge", "histogram", "summary", "untyped", "info",
                            "stateset", "gaugehistogram", "unknown");
                    types.put(parts[2], parts[3]);
                }
                continue;
            }
            assertThat(line).as("comment or sample").doesNotStartWith("#");
            Matcher m = Pattern.compile("^([a-zA-Z_:][a-zA-Z0-9_:]*)(\\{(.*)})? (\\S+)( \\d+)?$").matcher(line);
            assertThat(m.matches()).as("sample line: " + line).isTrue();
            Map<String, String> labels = new HashMap<>();
            if (m.group(3) != null && !m.group(3).isEmpty()) {
                Matcher l = LABEL.matcher(m.group(3));
                int end = 0;
                while (l.find()) {
                    labels.put(l.group(1), l.group(2));
                    end = l.end();
                }
                assertThat(end).as("labels fully parsed: " + line).isGreaterThan(0);
            }
            String v = m.group(4);
            double value = switch (v) {
                case "+Inf" -> Double.POSITIVE_INFINITY;
                case "-Inf" -> Double.NEGATIVE_INFINITY;
                case "NaN" -> Double.NaN;
                default -> Double.parseDouble(v);
            };
            samples.add(new Sample(m.group(1), labels, value));
        }
        assertThat(types).isNotEmpty();
        return samples;
    }

    @Test
    void metricsAreValidPrometheusTextWithRouteTemplatesAndPoolAndJvm() {
        String id = server.createAccount("metrics@example.com", "free").get("account_id").asText();
        server.post("/ops/accounts/" + id + "/keys", "", admin());
        server.get("/ops/uptime");
        server.get("/no/such/thing");

        Response r = server.get("/metrics");
        assertThat(r.status()).isEqualTo(200);
        assertThat(r.header("Content-Type")).startsWith("text/plain");
        List<Sample> samples = parse(r.body());

        assertThat(samples).anySatisfy(s -> {
            assertThat(s.name()).isEqualTo("levqor_http_request_duration_seconds_count");
            assertThat(s.labels()).containsEntry("route", "/ops/accounts/{id}/keys")
                    .containsEntry("method", "POST").containsEntry("status", "201");
            assertThat(s.value()).isGreaterThanOrEqualTo(1);
        });
        assertThat(samples).noneSatisfy(s -> assertThat(s.labels().getOrDefault("route", "")).contains(id));
        assertThat(samples).anySatisfy(s -> {
            assertThat(s.name()).isEqualTo("levqor_http_request_duration_seconds_bucket");
            assertThat(s.labels()).containsEntry("route", "unmatched").containsEntry("status", "404")
                    .containsKey("le");
        });
        assertThat(samples).anySatisfy(s -> {
            assertThat(s.name()).isEqualTo("levqor_db_up");
            assertThat(s.value()).isEqualTo(1.0);
        });
        for (String state : List.of("active", "idle", "pending", "max")) {
            assertThat(samples).anySatisfy(s -> {
                assertThat(s.name()).isEqualTo("levqor_db_pool_connections");
                assertThat(s.labels()).containsEntry("state", state);
            });
        }
        assertThat(samples).anySatisfy(s -> {
            assertThat(s.name()).isEqualTo("levqor_db_pool_connections");
            assertThat(s.labels()).containsEntry("state", "max");
            assertThat(s.value()).isEqualTo(8.0);
        });
        assertThat(samples).anySatisfy(s -> assertThat(s.name()).startsWith("jvm_memory_used_bytes"));
        assertThat(r.body()).contains("# TYPE error_rate_total counter");
        assertThat(samples).anySatisfy(s -> {
            assertThat(s.name()).isEqualTo("error_rate_total");
            assertThat(s.labels()).containsEntry("type", "unhandled_exception");
        });
    }
}
