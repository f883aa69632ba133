package com.levqor.app;

import static org.assertj.core.api.Assertions.assertThat;

import com.levqor.testing.TestServer;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The composition root starts the parts of a serve process in order (they close in reverse). */
class LevqorRootTest {
    @Test
    void serveStartsItsPartsInOrderAndTheHttpServerLast() {
        try (TestServer server = TestServer.start(Map.of())) {
            assertThat(server.app().parts()).containsExactly("reporter", "egress", "database", "dispatcher",
                    "scheduler", "worker", "intake", "readiness probe", "http");
        }
    }

    @Test
    void anIntakeOnlyServeHasNoWorker() {
        try (TestServer server = TestServer.start(Map.of("WORKER_CONCURRENCY", "0"))) {
            assertThat(server.app().parts()).doesNotContain("worker").contains("intake", "http");
            assertThat(server.app().jobs().dispatcher().localWorkers()).isFalse();
        }
    }
}
