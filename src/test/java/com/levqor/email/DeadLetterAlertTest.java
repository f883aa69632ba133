package com.levqor.email;

import static com.levqor.db.jooq.Tables.EMAIL_OUTBOX;
import static com.levqor.db.jooq.Tables.JOBS;
import static com.levqor.testing.TestServer.bearer;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.levqor.testing.Await;
import com.levqor.testing.FakeResend;
import com.levqor.testing.Response;
import com.levqor.db.jooq.tables.records.EmailOutboxRecord;
import com.levqor.db.jooq.tables.records.JobsRecord;
import com.levqor.testing.TestPostgres;
import com.levqor.testing.TestServer;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.jooq.DSLContext;
import org.jooq.JSONB;
import org.jooq.SQLDialect;
import org.jooq.impl.DSL;
import org.junit.jupiter.api.Test;

/**
 * ALERT_ON_DLQ: a job going dead queues one email to ADMIN_EMAIL with the job's last error, whether
 * its last attempt failed on a worker or its lease expired during it (the sweeper's rescue).
 */
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

    @Test
    void aJobWhoseLeaseExpiresOnItsLastAttemptIsRescuedDeadAndEmailsTheAdminOnce() throws Exception {
        // No Resend: the alert is a row of the outbox, kept until email is configured.
        try (TestServer server = TestServer.start(Map.of("ALERT_ON_DLQ", "true", "ADMIN_EMAIL", "oncall@example.com",
                "WORKER_CONCURRENCY", "0", "SWEEPER_INTERVAL_MS", "50"))) {
            UUID account = UUID.fromString(server.createAccount("dlq-lease@example.com", "free").get("account_id")
                    .asText());
            DSLContext db = DSL.using(TestPostgres.dataSource(server.jdbcUrl()), SQLDialect.POSTGRES);
            // What a worker that crashed during the job's third and last attempt leaves behind.
            UUID id = UUID.randomUUID();
            OffsetDateTime now = OffsetDateTime.ofInstant(Instant.now(), ZoneOffset.UTC);
            JobsRecord r = db.newRecord(JOBS);
            r.setId(id);
            r.setAccountId(account);
            r.setWorkflow("echo");
            r.setPayload(JSONB.valueOf("{}"));
            r.setState("running");
            r.setAttempt(3);
            r.setMaxAttempts(3);
            r.setTimeoutSeconds(60);
            r.setRunAt(now.minusMinutes(2));
            r.setStartedAt(now.minusMinutes(1));
            r.setLeaseOwner("crashed-worker-1");
            r.setLeaseExpiresAt(now.minusSeconds(5));
            r.setCost(1);
            r.setCreatedAt(now.minusMinutes(2));
            r.setUpdatedAt(now.minusMinutes(1));
            r.store();

            Await.until("the job rescued dead", Duration.ofSeconds(30),
                    () -> "dead".equals(db.select(JOBS.STATE).from(JOBS).where(JOBS.ID.eq(id)).fetchOne(JOBS.STATE)));
            Await.sleep(300); // a few more sweeps: still one alert
            List<EmailOutboxRecord> alerts = db.selectFrom(EMAIL_OUTBOX)
                    .where(EMAIL_OUTBOX.TEMPLATE.eq(Templates.DLQ_ALERT)).fetch();
            assertThat(alerts).hasSize(1);
            EmailOutboxRecord alert = alerts.get(0);
            assertThat(alert.getRecipient()).isEqualTo("oncall@example.com");
            assertThat(alert.getStatus()).isEqualTo("queued");
            assertThat(alert.getDedupeKey()).isEqualTo("dlq_alert:" + id + ":3");
            JsonNode model = new com.fasterxml.jackson.databind.ObjectMapper().readTree(alert.getModel().data());
            assertThat(model.get("job_id").asText()).isEqualTo(id.toString());
            assertThat(model.get("workflow").asText()).isEqualTo("echo");
            assertThat(model.get("attempts").asInt()).isEqualTo(3);
            assertThat(model.get("error").asText())
                    .isEqualTo("lease expired: the worker running it stopped renewing it during attempt 3");
        }
    }
}
