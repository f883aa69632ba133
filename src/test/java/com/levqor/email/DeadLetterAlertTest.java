package com.levqor.email;

import static com.levqor.testing.TestServer.bearer;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.levqor.testing.Await;
import com.levqor.testing.FakeResend;
import com.levqor.testing.Response;
import com.levqor.testing.TestServer;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** ALERT_ON_DLQ: a job going dead queues one email to ADMIN_EMAIL with the job's last error. */
class DeadLetterAlertTest {

    @Test
    void aDeadJobEmailsTheAdmin() {
        try (FakeResend resend = new FakeResend();
             TestServer server = TestServer.start(Map.of("RESEND_API_KEY", "re_test_0123456789",
                     "EMAIL_FROM", "alerts@example.com", "RESEND_API_URL", resend.url(), "EMAIL_POLL_MS", "50",
                     "ALERT_ON_DLQ", "true", "ADMIN_EMAIL", "oncall@example.com"))) {
            String key = server.createAccount("dlq-alert@example.com", "free").get("api_key").asText();
            Response r = server.post("/api/v1/intake", "{\"workflow\":\"fail\",\"payload\":{\"message\":\"<boom>\"},"
                    + "\"max_attempts\":1}", bearer(key));
            String jobId = r.json().get("job_id").asText();
            Await.until("the alert", Duration.ofSeconds(30), () -> resend.delivered().size() == 1);
            JsonNode email = resend.delivered().get(0);
            assertThat(email.path("to").path(0).asText()).isEqualTo("oncall@example.com");
            assertThat(email.path("subject").asText()).isEqualTo("[Levqor] Job " + jobId + " (fail) went to the dead-letter queue");
            assertThat(email.path("text").asText()).contains("<boom>").contains("levqor dlq retry --id " + jobId);
            assertThat(email.path("html").asText()).contains("&lt;boom&gt;");
        }
    }
}
