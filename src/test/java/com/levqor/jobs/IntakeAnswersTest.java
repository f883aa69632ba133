package com.levqor.jobs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.levqor.accounts.Caller;
import com.levqor.accounts.Plan;
import com.levqor.api.ApiException;
import com.levqor.api.Json;
import com.levqor.db.CommitOutcomeUnknown;
import com.levqor.db.GroupCommit;
import com.levqor.jobs.model.JobState;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeoutException;
import org.junit.jupiter.api.Test;

/**
 * Intake's answers are written to bytes without a JSON writer: they must be exactly what Jackson
 * (the Javalin routes' mapper) writes for the same fields, for every job state.
 */
class IntakeAnswersTest {
    private static final ObjectMapper JACKSON = Json.newMapper();
    private static final Caller FREE = new Caller(UUID.randomUUID(), Plan.FREE, "lvq_abcd");

    private static Map<String, Object> job(UUID id, String status, boolean existing) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("job_id", id);
        m.put("status", status);
        if (existing) {
            m.put("existing", true);
        }
        return m;
    }

    @Test
    void aNewJobIs202WithTheBytesJacksonWrites() throws Exception {
        UUID id = UUID.randomUUID();
        IntakeAnswers.Answer a = IntakeAnswers.of(new IntakeResult.Created(id), FREE);
        assertThat(a.status()).isEqualTo(202);
        assertThat(a.location()).isEqualTo("/api/v1/status/" + id);
        assertThat(a.json()).isEqualTo(JACKSON.writeValueAsBytes(job(id, "queued", false)));
    }

    @Test
    void aRepeatedKeyIs200WithItsJobsStateInEveryState() throws Exception {
        for (JobState s : JobState.values()) {
            UUID id = UUID.randomUUID();
            IntakeAnswers.Answer a = IntakeAnswers.of(new IntakeResult.Existing(id, s.wire()), FREE);
            assertThat(a.status()).isEqualTo(200);
            assertThat(a.location()).isEqualTo("/api/v1/status/" + id);
            assertThat(new String(a.json())).isEqualTo(JACKSON.writeValueAsString(job(id, s.wire(), false)));
        }
    }

    @Test
    void aBatchAnswerIsWhatJacksonWritesInRequestOrder() throws Exception {
        List<IntakeResult> results = new ArrayList<>();
        List<Map<String, Object>> expected = new ArrayList<>();
        for (int i = 0; i < 7; i++) {
            UUID id = UUID.randomUUID();
            if (i % 3 == 1) {
                String state = JobState.values()[i % JobState.values().length].wire();
                results.add(new IntakeResult.Existing(id, state));
                expected.add(job(id, state, true));
            } else {
                results.add(new IntakeResult.Created(id));
                expected.add(job(id, "queued", false));
            }
        }
        IntakeAnswers.Answer a = IntakeAnswers.ofBatch(results, FREE);
        assertThat(a.status()).isEqualTo(202);
        assertThat(new String(a.json())).isEqualTo(JACKSON.writeValueAsString(Map.of("jobs", expected)));

        UUID id = UUID.randomUUID();
        IntakeAnswers.Answer repeats = IntakeAnswers.ofBatch(List.of(new IntakeResult.Existing(id, "running")), FREE);
        assertThat(repeats.status()).as("every job a repeat").isEqualTo(200);
        assertThat(new String(repeats.json()))
                .isEqualTo(JACKSON.writeValueAsString(Map.of("jobs", List.of(job(id, "running", true)))));
    }

    @Test
    void notStoredIsAnErrorForOneJobAndForTheWholeBatch() {
        assertThatThrownBy(() -> IntakeAnswers.of(new IntakeResult.OverBudget(9, 10, 5), FREE))
                .isInstanceOfSatisfying(ApiException.class, e -> {
                    assertThat(e.status()).isEqualTo(402);
                    assertThat(e.getMessage()).isEqualTo("The free plan's daily budget of 10 units is spent (9 used; "
                            + "this job costs 5). It resets at 00:00 UTC.");
                });
        assertThatThrownBy(() -> IntakeAnswers.ofBatch(List.of(new IntakeResult.Created(UUID.randomUUID()),
                new IntakeResult.Rejected("bad text")), FREE))
                .isInstanceOfSatisfying(ApiException.class, e -> assertThat(e.status()).isEqualTo(400));
        assertThatThrownBy(() -> IntakeAnswers.ofBatch(List.of(new IntakeResult.OverBudget(1, 10, 20)), FREE))
                .isInstanceOfSatisfying(ApiException.class, e -> assertThat(e.getMessage()).contains("cannot take this batch"));
    }

    @Test
    void unavailableSaysWhetherTheJobMayHaveBeenStored() {
        ApiException down = IntakeAnswers.unavailable(new IllegalStateException("intake is stopped"));
        assertThat(down.status()).isEqualTo(503);
        assertThat(down.getMessage()).contains("nothing was queued");
        assertThat(IntakeAnswers.unavailable(new TimeoutException("not written")).getMessage())
                .contains("nothing was queued");
        ApiException unconfirmed = IntakeAnswers.unavailable(new GroupCommit.Unconfirmed("no commit within 30000 ms"));
        assertThat(unconfirmed.getMessage()).contains("it may still be stored").contains("an idempotency_key")
                .doesNotContain("nothing was queued");
        ApiException unknown = IntakeAnswers.unavailable(CommitOutcomeUnknown.ofCommit(new SQLException("I/O", "08006")));
        assertThat(unknown.getMessage()).contains("it may have been stored").contains("an idempotency_key")
                .doesNotContain("nothing was queued");
        assertThat(IntakeAnswers.batchUnavailable(CommitOutcomeUnknown.ofCommit(new SQLException("I/O", "08006")))
                .getMessage()).contains("they may have been stored").contains("idempotency_key on each job");
    }
}
