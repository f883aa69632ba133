package com.levqor.ops;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.yaml.snakeyaml.Yaml;

/**
 * runbook/alerts.yml: valid and unit-tested by promtool, every rule linked to a section RUNBOOK.md has
 * (so renaming a heading fails the build until the link follows) and naming only metrics the server
 * exposes.
 */
class AlertRulesTest {
    static final Path RUNBOOK_DIR = Path.of("runbook");
    static final Path RULES = RUNBOOK_DIR.resolve("alerts.yml");
    static final Path RULE_TESTS = RUNBOOK_DIR.resolve("alerts.test.yml");
    static final Path RUNBOOK = RUNBOOK_DIR.resolve("RUNBOOK.md");
    static final String RUNBOOK_LINK = "runbook/RUNBOOK.md#";

    /** One alerting rule as alerts.yml writes it. */
    record Rule(String alert, String expr, Map<String, String> annotations) {
    }

    @Test
    void promtoolFindsTheRulesValid() {
        Promtool.Result r = Promtool.run(RUNBOOK_DIR, "check", "rules", "alerts.yml");
        assertThat(r.exitCode()).as(r.toString()).isZero();
        assertThat(r.output()).as(r.toString()).contains("SUCCESS: " + rules().size() + " rules found");
    }

    @Test
    void promtoolUnitTestsOfTheRulesPass() {
        Promtool.Result r = Promtool.run(RUNBOOK_DIR, "test", "rules", "alerts.test.yml");
        assertThat(r.exitCode()).as(r.toString()).isZero();
        assertThat(r.output()).as(r.toString()).contains("SUCCESS");
    }

    @Test
    void everyRuleIsUnitTestedFiringAndHeldBack() {
        Set<String> fired = new TreeSet<>();
        Set<String> heldBack = new TreeSet<>();
        for (Map<String, Object> test : listOf(yaml(RULE_TESTS).get("tests"))) {
            for (Map<String, Object> check : listOf(test.get("alert_rule_test"))) {
                String name = (String) check.get("alertname");
                (listOf(check.get("exp_alerts")).isEmpty() ? heldBack : fired).add(name);
            }
        }
        Set<String> alerts = new TreeSet<>(rules().stream().map(Rule::alert).toList());
        assertThat(fired).as("rules with a test that fires them").isEqualTo(alerts);
        assertThat(heldBack).as("rules with a test where they must not fire").isEqualTo(alerts);
    }

    @Test
    void everyRuleLinksASectionTheRunbookHas() throws IOException {
        Set<String> anchors = anchors(Files.readString(RUNBOOK));
        List<Rule> rules = rules();
        assertThat(rules).hasSizeGreaterThanOrEqualTo(10);
        for (Rule rule : rules) {
            assertThat(rule.annotations()).as(rule.alert()).containsKeys("summary", "description", "runbook");
            String link = rule.annotations().get("runbook");
            assertThat(link).as(rule.alert()).startsWith(RUNBOOK_LINK);
            assertThat(anchors).as(rule.alert() + " links " + link + "; RUNBOOK.md's headings")
                    .contains(link.substring(RUNBOOK_LINK.length()));
        }
    }

    @Test
    void everyRuleNamesOnlyMetricsTheServerExposes() {
        Set<String> exposed = ExposedMetrics.ofLiveServer();
        for (Rule rule : rules()) {
            Set<String> names = ExposedMetrics.namesIn(rule.expr());
            assertThat(names).as(rule.alert() + " names a metric").isNotEmpty();
            assertThat(exposed).as(rule.alert() + ": " + rule.expr()).containsAll(names);
        }
    }

    @Test
    void metricNamesAreReadFromPromQlWithoutFunctionsLabelsOrNumbers() {
        assertThat(ExposedMetrics.namesIn("histogram_quantile(0.95, sum by (le, route) "
                + "(rate(levqor_a_bucket{route=~\"/x|y\",status!=\"5..\"}[$__rate_interval])))"
                + " / on(job) group_left levqor_b_total offset 30m > bool 1e3 and time() - levqor_c > 26 * 3600"
                + " unless max without (instance) (levqor_d[5m:1m])"))
                .containsExactlyInAnyOrder("levqor_a_bucket", "levqor_b_total", "levqor_c", "levqor_d");
        assertThat(ExposedMetrics.namesIn("label_values(levqor_db_up{job=\"$job\"}, instance)"))
                .containsExactly("levqor_db_up");
    }

    @Test
    void anchorsFollowGitHubsRules() {
        String md = String.join("\n",
                "# Levqor operations runbook",
                "### 1. High error rate",
                "### Queue backed up (`depth` keeps growing)",
                "## Backup & Recovery",
                "### Alert: backups stale or failing",
                "```bash",
                "# a comment in a code block, not a heading",
                "```",
                "## Useful commands",
                "## Useful commands");
        assertThat(anchors(md)).containsExactly("levqor-operations-runbook", "1-high-error-rate",
                "queue-backed-up-depth-keeps-growing", "backup--recovery", "alert-backups-stale-or-failing",
                "useful-commands", "useful-commands-1");
    }

    /** The anchors GitHub gives a Markdown file's headings (code blocks excepted; repeats get -1, -2…). */
    static Set<String> anchors(String markdown) {
        Set<String> anchors = new LinkedHashSet<>();
        Map<String, Integer> seen = new HashMap<>();
        Pattern heading = Pattern.compile("^ {0,3}#{1,6}\\s+(.*?)\\s*#*\\s*$");
        boolean inCode = false;
        for (String line : markdown.split("\n", -1)) {
            if (line.stripLeading().startsWith("```") || line.stripLeading().startsWith("~~~")) {
                inCode = !inCode;
                continue;
            }
            Matcher m = heading.matcher(line);
            if (inCode || !m.matches()) {
                continue;
            }
            String slug = m.group(1).toLowerCase(Locale.ROOT).replaceAll("[^\\p{L}\\p{M}\\p{N}\\p{Pc} -]", "")
                    .replace(' ', '-');
            int n = seen.merge(slug, 1, Integer::sum) - 1;
            anchors.add(n == 0 ? slug : slug + "-" + n);
        }
        return anchors;
    }

    static List<Rule> rules() {
        List<Rule> rules = new ArrayList<>();
        for (Map<String, Object> group : listOf(yaml(RULES).get("groups"))) {
            for (Map<String, Object> rule : listOf(group.get("rules"))) {
                @SuppressWarnings("unchecked")
                Map<String, String> annotations = (Map<String, String>) rule.getOrDefault("annotations", Map.of());
                rules.add(new Rule((String) rule.get("alert"), (String) rule.get("expr"), annotations));
            }
        }
        return rules;
    }

    static Map<String, Object> yaml(Path file) {
        try {
            return new Yaml().load(Files.readString(file));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @SuppressWarnings("unchecked")
    static List<Map<String, Object>> listOf(Object node) {
        return node == null ? List.of() : (List<Map<String, Object>>) node;
    }
}
