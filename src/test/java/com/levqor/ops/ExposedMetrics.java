package com.levqor.ops;

import static com.levqor.testing.TestServer.bearer;
import static org.assertj.core.api.Assertions.assertThat;

import com.levqor.accounts.Plan;
import com.levqor.testing.Await;
import com.levqor.testing.Response;
import com.levqor.testing.TestServer;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * What the alert rules and the dashboard may name: the series names a live server's {@code /metrics}
 * shows (so a histogram is its {@code _bucket}, {@code _count} and {@code _sum}, a counter its
 * {@code _total}), and the metric names a PromQL expression selects.
 */
final class ExposedMetrics {
    private static final Duration WAIT = Duration.ofSeconds(30);
    private static final String ECHO = "{\"workflow\":\"echo\",\"payload\":{}}";
    /** Series that exist only after their first event, which {@link #ofLiveServer} causes. */
    private static final List<String> LAZY = List.of("levqor_jobs_enqueued_total", "levqor_jobs_finished_total",
            "levqor_job_run_duration_seconds_bucket", "levqor_job_queue_wait_seconds_bucket",
            "levqor_ratelimit_rejections_total", "levqor_http_refusals_total");

    private ExposedMetrics() {
    }

    /**
     * Starts a server with every optional part that has metrics configured (Stripe, Resend), and makes
     * the counters that have no series before their first event count once: a job run, a key over its
     * rate limit, an admin route refused for want of ADMIN_KEY. Returns the sample names of its
     * {@code /metrics}.
     */
    static Set<String> ofLiveServer() {
        Map<String, String> env = new HashMap<>();
        env.put("ADMIN_KEY", null);
        env.put("STRIPE_SECRET_KEY", "sk_test_exposed_metrics");
        env.put("RESEND_API_KEY", "re_exposed_metrics");
        env.put("EMAIL_FROM", "Levqor <alerts@example.com>");
        env.put("RATELIMIT_FREE_PER_MINUTE", "1");
        try (TestServer server = TestServer.start(env)) {
            String key = server.app().accounts().create("exposed-metrics@example.com", Plan.FREE).apiKey();
            Response accepted = server.post("/api/v1/intake", ECHO, bearer(key));
            assertThat(accepted.status()).as(accepted.toString()).isEqualTo(202);
            Response limited = server.post("/api/v1/intake", ECHO, bearer(key));
            assertThat(limited.status()).as(limited.toString()).isEqualTo(429);
            Response refused = server.get("/ops/dlq");
            assertThat(refused.status()).as(refused.toString()).isEqualTo(503);
            // Counted after the answers (the run when it ends, the outcome once the completer wrote it,
            // a refusal when its answer is done): wait until each shows.
            String text = Await.value("the lazily created series in /metrics", WAIT, () -> server.get("/metrics").body(),
                    t -> LAZY.stream().allMatch(name -> t.contains(name + "{")));
            Set<String> names = new TreeSet<>();
            MetricsTest.parse(text).forEach(s -> names.add(s.name()));
            return names;
        }
    }

    private static final Pattern STRING = Pattern.compile("\"(?:[^\"\\\\]|\\\\.)*\"|'(?:[^'\\\\]|\\\\.)*'|`[^`]*`");
    private static final Pattern MATCHERS = Pattern.compile("\\{[^}]*}");
    private static final Pattern RANGE = Pattern.compile("\\[[^]]*]");
    private static final Pattern LABEL_LIST = Pattern.compile(
            "\\b(by|without|on|ignoring|group_left|group_right)\\s*\\([^)]*\\)");
    private static final Pattern OFFSET = Pattern.compile("\\boffset\\s+-?[0-9a-zA-Z]+");
    private static final Pattern VARIABLE = Pattern.compile("\\$\\{?\\w+}?");
    private static final Pattern NUMBER = Pattern.compile("(?<![\\w:])\\d+(\\.\\d+)?([eE][+-]?\\d+)?");
    private static final Pattern IDENTIFIER = Pattern.compile("[a-zA-Z_:][a-zA-Z0-9_:]*(\\s*\\()?");
    private static final Set<String> KEYWORDS = Set.of("and", "or", "unless", "bool", "group_left", "group_right",
            "inf", "nan", "Inf", "NaN");
    /** Grafana's {@code label_values(<selector>, <label>)}: not PromQL, its selector is. */
    private static final Pattern LABEL_VALUES = Pattern.compile("^\\s*label_values\\((.*),\\s*\\w+\\s*\\)\\s*$");

    /**
     * The metric names an expression selects: every identifier that is not a function or aggregation
     * (followed by a parenthesis), a keyword, a label (inside braces or a {@code by (…)} list) or part
     * of a string, range, offset, number or Grafana variable.
     */
    static Set<String> namesIn(String expression) {
        Matcher labelValues = LABEL_VALUES.matcher(expression);
        String s = labelValues.matches() ? labelValues.group(1) : expression;
        for (Pattern p : new Pattern[] {STRING, MATCHERS, RANGE, LABEL_LIST, OFFSET, VARIABLE, NUMBER}) {
            s = p.matcher(s).replaceAll(" ");
        }
        Set<String> names = new TreeSet<>();
        Matcher m = IDENTIFIER.matcher(s);
        while (m.find()) {
            if (m.group(1) == null && !KEYWORDS.contains(m.group())) {
                names.add(m.group());
            }
        }
        return names;
    }
}
