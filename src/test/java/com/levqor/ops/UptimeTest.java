package com.levqor.ops;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.levqor.testing.Response;
import com.levqor.testing.TestServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class UptimeTest {
    static TestServer server;

    @BeforeAll
    static void start() {
        server = TestServer.start();
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    @Test
    void uptimeHasTheRunbookShape() {
        Response r = server.get("/ops/uptime");
        assertThat(r.status()).isEqualTo(200);
        JsonNode j = r.json();
        assertThat(j.get("status").asText()).isEqualTo("operational");
        assertThat(j.get("services").get("api").asText()).isEqualTo("operational");
        assertThat(j.get("services").get("database").asText()).isEqualTo("operational");
        assertThat(j.get("services").get("redis").asText()).isEqualTo("not_configured");
        assertThat(j.get("services").get("queue").asText()).isEqualTo("operational");
        assertThat(j.get("response_time_ms").isNumber()).isTrue();
        assertThat(j.get("version").asText()).matches("\\d+\\.\\d+\\.\\d+.*");
    }

    @Test
    void publicStatusIsCheapAndNeedsNoKey() {
        Response r = server.get("/api/v1/status");
        assertThat(r.status()).isEqualTo(200);
        assertThat(r.json().get("status").asText()).isEqualTo("ok");
        assertThat(r.json().get("time").asText()).endsWith("Z");
    }
}
