package com.levqor.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import com.levqor.config.HttpSettings;
import com.levqor.config.LogFormat;
import com.levqor.config.Settings;
import java.io.IOException;
import java.io.Reader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.yaml.snakeyaml.Yaml;

/**
 * {@code runbook/deploy/kubernetes.yaml}: the kinds an operator applies (a ConfigMap, the API
 * Deployment and its Service, the worker Deployment), probes on the paths and port the server
 * serves, a preStop and a grace period that line up with the drain and the graceful stop, and the
 * resources the launcher's memory defaults are sized for.
 */
class KubernetesManifestTest {
    static final Path MANIFEST = Path.of("runbook", "deploy", "kubernetes.yaml");
    private static List<Map<String, Object>> documents;

    @BeforeAll
    @SuppressWarnings("unchecked")
    static void load() throws IOException {
        documents = new ArrayList<>();
        try (Reader r = Files.newBufferedReader(MANIFEST)) {
            for (Object doc : new Yaml().loadAll(r)) {
                if (doc != null) {
                    documents.add((Map<String, Object>) doc);
                }
            }
        }
    }

    @Test
    void holdsTheExpectedKinds() {
        assertThat(documents).extracting(d -> d.get("kind") + "/" + map(d, "metadata").get("name"))
                .containsExactlyInAnyOrder("ConfigMap/levqor-config", "Deployment/levqor", "Service/levqor",
                        "Deployment/levqor-worker");
        assertThat(documents).allSatisfy(d -> assertThat(d.get("apiVersion")).isIn("v1", "apps/v1"));
    }

    @Test
    void apiDeploymentProbesLivezAndReadyzOnTheServersPort() {
        Map<String, Object> api = deployment("levqor");
        assertThat(map(api, "spec").get("replicas")).isEqualTo(2);
        Map<String, Object> container = onlyContainer(api);
        assertThat(container.get("command")).isEqualTo(List.of("/opt/levqor/bin/levqor", "serve"));
        assertThat(list(container, "ports")).hasSize(1);
        Map<String, Object> port = list(container, "ports").get(0);
        assertThat(port.get("name")).isEqualTo("http");
        assertThat(port.get("containerPort")).isEqualTo(HttpSettings.DEFAULT_PORT);
        assertThat(probe(container, "readinessProbe")).containsEntry("path", "/readyz").containsEntry("port", "http");
        assertThat(probe(container, "livenessProbe")).containsEntry("path", "/livez").containsEntry("port", "http");
        assertThat(probe(container, "startupProbe")).containsEntry("path", "/livez").containsEntry("port", "http");
        Map<String, Object> startup = map(container, "startupProbe");
        assertThat((int) startup.get("periodSeconds") * (int) startup.get("failureThreshold"))
                .as("seconds a start may take before liveness applies").isGreaterThanOrEqualTo(60);
        Map<String, Object> liveness = map(container, "livenessProbe");
        assertThat((int) liveness.get("periodSeconds") * (int) liveness.get("failureThreshold"))
                .as("seconds of failed liveness before a restart").isGreaterThanOrEqualTo(20);
    }

    @Test
    void preStopSleepsForTheDrainAndTheGracePeriodOutlastsAnOrderlyStop() {
        Map<String, Object> api = deployment("levqor");
        Map<String, Object> container = onlyContainer(api);
        Map<String, Object> preStop = map(map(container, "lifecycle"), "preStop");
        @SuppressWarnings("unchecked")
        List<String> command = (List<String>) map(preStop, "exec").get("command");
        assertThat(command).hasSize(2);
        assertThat(command.get(0)).endsWith("/sleep");
        long preStopMillis = Long.parseLong(command.get(1)) * 1000;
        assertThat(preStopMillis).as("preStop sleeps as long as the drain").isEqualTo(StopBudget.DRAIN_MS);
        // Kubernetes counts preStop inside terminationGracePeriodSeconds, then sends SIGTERM.
        assertThat(gracePeriodMillis(api)).isGreaterThan(preStopMillis + StopBudget.serveMillis());
        assertThat(gracePeriodMillis(deployment("levqor-worker"))).isGreaterThan(StopBudget.workerMillis());
    }

    @Test
    void serviceSendsItsPortToTheApiPodsOnly() {
        Map<String, Object> service = document("Service", "levqor");
        Map<String, Object> spec = map(service, "spec");
        assertThat(list(spec, "ports")).hasSize(1);
        assertThat(list(spec, "ports").get(0)).containsEntry("targetPort", "http");
        Map<String, Object> selector = map(spec, "selector");
        assertThat(podLabels(deployment("levqor"))).containsAllEntriesOf(selector);
        assertThat(podLabels(deployment("levqor-worker")).entrySet().containsAll(selector.entrySet()))
                .as("worker pods get no traffic").isFalse();
        // Each Deployment's selector matches its own pods.
        for (String name : List.of("levqor", "levqor-worker")) {
            Map<String, Object> d = deployment(name);
            assertThat(podLabels(d)).containsAllEntriesOf(map(map(map(d, "spec"), "selector"), "matchLabels"));
        }
    }

    @Test
    void workerDeploymentRunsTheWorkerCommandWithoutAPort() {
        Map<String, Object> container = onlyContainer(deployment("levqor-worker"));
        assertThat(container.get("command")).isEqualTo(List.of("/opt/levqor/bin/levqor", "worker"));
        assertThat(container).doesNotContainKeys("ports", "readinessProbe", "livenessProbe");
    }

    @Test
    void resourcesMatchTheMemoryDefaultsAndTheEnvironmentComesFromTheConfigMapAndSecret() throws Exception {
        for (String name : List.of("levqor", "levqor-worker")) {
            Map<String, Object> container = onlyContainer(deployment(name));
            Map<String, Object> resources = map(container, "resources");
            assertThat(map(resources, "requests")).as(name).containsEntry("memory", "320Mi").containsEntry("cpu", "500m");
            assertThat(map(resources, "limits")).as(name).containsEntry("memory", "384Mi");
            assertThat(list(container, "envFrom")).as(name).containsExactly(
                    Map.of("configMapRef", Map.of("name", "levqor-config")),
                    Map.of("secretRef", Map.of("name", "levqor-secrets")));
        }
        // The ConfigMap holds valid settings (parsing throws naming any bad one), JSON logs among them.
        Map<String, String> data = new LinkedHashMap<>();
        map(document("ConfigMap", "levqor-config"), "data").forEach((k, v) -> data.put(k, (String) v));
        Settings settings = Settings.parse(data);
        assertThat(settings.ops().logFormat()).isEqualTo(LogFormat.JSON);
        assertThat(settings.http().port()).isEqualTo(HttpSettings.DEFAULT_PORT);
    }

    private static long gracePeriodMillis(Map<String, Object> deployment) {
        return ((Number) podSpec(deployment).get("terminationGracePeriodSeconds")).longValue() * 1000;
    }

    private static Map<String, Object> probe(Map<String, Object> container, String name) {
        return map(map(container, name), "httpGet");
    }

    private static Map<String, Object> document(String kind, String name) {
        return documents.stream()
                .filter(d -> kind.equals(d.get("kind")) && name.equals(map(d, "metadata").get("name")))
                .findFirst().orElseThrow(() -> new AssertionError(MANIFEST + " has no " + kind + " " + name));
    }

    private static Map<String, Object> deployment(String name) {
        return document("Deployment", name);
    }

    private static Map<String, Object> podSpec(Map<String, Object> deployment) {
        return map(map(map(deployment, "spec"), "template"), "spec");
    }

    private static Map<String, Object> podLabels(Map<String, Object> deployment) {
        return map(map(map(map(deployment, "spec"), "template"), "metadata"), "labels");
    }

    private static Map<String, Object> onlyContainer(Map<String, Object> deployment) {
        List<Map<String, Object>> containers = list(podSpec(deployment), "containers");
        assertThat(containers).hasSize(1);
        return containers.get(0);
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> map(Map<String, Object> parent, String key) {
        Object v = parent.get(key);
        assertThat(v).as(key).isInstanceOf(Map.class);
        return (Map<String, Object>) v;
    }

    @SuppressWarnings("unchecked")
    private static List<Map<String, Object>> list(Map<String, Object> parent, String key) {
        Object v = parent.get(key);
        assertThat(v).as(key).isInstanceOf(List.class);
        return (List<Map<String, Object>>) v;
    }
}
