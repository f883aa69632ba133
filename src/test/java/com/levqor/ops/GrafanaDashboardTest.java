package com.levqor.ops;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.yaml.snakeyaml.Yaml;

/**
 * runbook/grafana-dashboard.json: every query is PromQL promtool accepts and names only metrics the
 * server exposes, and it shows every metric the alert rules watch.
 */
class GrafanaDashboardTest {
    static final Path DASHBOARD = Path.of("runbook", "grafana-dashboard.json");

    static JsonNode dashboard() throws IOException {
        return new ObjectMapper().readTree(Files.readString(DASHBOARD));
    }

    /** Every panel query ({@code targets[].expr}) and variable query ({@code label_values(…)}). */
    static List<String> queries(JsonNode dashboard) {
        List<String> queries = new ArrayList<>();
        for (JsonNode panel : dashboard.path("panels")) {
            for (JsonNode target : panel.path("targets")) {
                queries.add(target.path("expr").asText());
            }
        }
        for (JsonNode variable : dashboard.path("templating").path("list")) {
            if ("query".equals(variable.path("type").asText())) {
                queries.add(variable.path("query").path("query").asText());
            }
        }
        return queries;
    }

    @Test
    void everyQueryNamesOnlyMetricsTheServerExposes() throws IOException {
        List<String> queries = queries(dashboard());
        assertThat(queries).hasSizeGreaterThan(20);
        Set<String> exposed = ExposedMetrics.ofLiveServer();
        for (String query : queries) {
            Set<String> names = ExposedMetrics.namesIn(query);
            assertThat(names).as("a metric in " + query).isNotEmpty();
            assertThat(exposed).as(query).containsAll(names);
        }
    }

    @Test
    void everyPanelQueryIsPromQlPromtoolAccepts(@TempDir Path dir) throws IOException {
        List<Map<String, String>> rules = new ArrayList<>();
        for (JsonNode panel : dashboard().path("panels")) {
            for (JsonNode target : panel.path("targets")) {
                String expr = target.path("expr").asText()
                        .replace("$__rate_interval", "5m").replace("$job", "levqor").replace("$instance", ".*");
                rules.add(Map.of("record", "levqor:dashboard:query" + rules.size(), "expr", expr));
            }
        }
        Files.writeString(dir.resolve("dashboard.rules.yml"),
                new Yaml().dump(Map.of("groups", List.of(Map.of("name", "dashboard", "rules", rules)))));
        Promtool.Result r = Promtool.run(dir, "check", "rules", "dashboard.rules.yml");
        assertThat(r.exitCode()).as(r.toString()).isZero();
        assertThat(r.output()).as(r.toString()).contains("SUCCESS: " + rules.size() + " rules found");
    }

    @Test
    void showsEveryMetricTheAlertsWatch() throws IOException {
        Set<String> shown = new TreeSet<>();
        queries(dashboard()).forEach(q -> shown.addAll(ExposedMetrics.namesIn(q)));
        Set<String> alerted = new TreeSet<>();
        AlertRulesTest.rules().forEach(r -> alerted.addAll(ExposedMetrics.namesIn(r.expr())));
        assertThat(shown).containsAll(alerted);
    }

    @Test
    void panelsHaveUniqueIdsAndAskTheChosenPrometheus() throws IOException {
        JsonNode d = dashboard();
        assertThat(d.path("uid").asText()).isNotBlank();
        Set<Integer> ids = new HashSet<>();
        for (JsonNode panel : d.path("panels")) {
            assertThat(ids.add(panel.path("id").asInt())).as("unique id " + panel.path("id")).isTrue();
            if (!"row".equals(panel.path("type").asText())) {
                assertThat(panel.path("datasource").path("uid").asText()).as(panel.path("title").asText())
                        .isEqualTo("${datasource}");
                assertThat(panel.path("targets").size()).as(panel.path("title").asText()).isPositive();
            }
        }
        assertThat(d.path("templating").path("list").get(0).path("type").asText()).isEqualTo("datasource");
    }
}
