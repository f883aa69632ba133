package com.levqor.jobs;

import com.levqor.accounts.Caller;
import com.levqor.api.ApiException;
import com.levqor.db.CommitOutcomeUnknown;
import com.levqor.db.Database;
import com.levqor.db.GroupCommit;
import com.levqor.jobs.model.JobState;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * The one builder of intake's answers, for every way in ({@code POST /api/v1/intake} on both HTTP
 * paths and {@code POST /api/v1/intake/batch}). Bodies are written straight to bytes, exactly what
 * Jackson writes for the same fields ({@code IntakeAnswersTest} holds them equal): ids and job states
 * need no escaping, and the fast path spends no time in a JSON writer.
 */
public final class IntakeAnswers {
    private static final byte[] JOB_ID = ascii("{\"job_id\":\"");
    private static final byte[] STATUS = ascii("\",\"status\":\"");
    private static final byte[] END = ascii("\"}");
    private static final byte[] END_EXISTING = ascii("\",\"existing\":true}");
    private static final byte[] JOBS = ascii("{\"jobs\":[");
    private static final byte[] JOBS_END = ascii("]}");
    private static final String QUEUED = JobState.QUEUED.wire();
    /** Characters of a job id as {@link UUID#toString} writes it. */
    private static final int UUID_CHARS = 36;

    private IntakeAnswers() {
    }

    /** An answer: its status code, JSON body (UTF-8) and {@code Location} (null when none). */
    public record Answer(int status, byte[] json, String location) {
    }

    /**
     * One job's answer: 202 {@code {"job_id","status"}} for a new job, 200 for a repeated
     * idempotency key, both with the job's {@code Location}; 402 or 400 (thrown) when it was not stored.
     */
    public static Answer of(IntakeResult result, Caller caller) {
        if (result instanceof IntakeResult.Created c) {
            String id = c.jobId().toString();
            return new Answer(202, job(id, QUEUED), "/api/v1/status/" + id);
        } else if (result instanceof IntakeResult.Existing x) {
            String id = x.jobId().toString();
            return new Answer(200, job(id, x.status()), "/api/v1/status/" + id);
        } else if (result instanceof IntakeResult.OverBudget o) {
            throw new ApiException(402, "budget_exceeded", "The " + caller.plan().wire() + " plan's daily budget of "
                    + o.budget() + " units is spent (" + o.used() + " used; this job costs " + o.cost()
                    + "). It resets at 00:00 UTC.", Map.of(), Map.of());
        } else {
            throw ApiException.invalid(((IntakeResult.Rejected) result).message(),
                    Map.of("payload", ((IntakeResult.Rejected) result).message()));
        }
    }

    /**
     * A batch's answer: 202 {@code {"jobs":[{"job_id","status"[,"existing":true]},…]}} in request order
     * (200 when every job repeated an idempotency key); 402 or 400 (thrown) for the whole batch when
     * it was not stored.
     */
    public static Answer ofBatch(List<IntakeResult> results, Caller caller) {
        for (IntakeResult r : results) {
            if (r instanceof IntakeResult.OverBudget o) {
                throw new ApiException(402, "budget_exceeded", "The " + caller.plan().wire() + " plan's daily budget of "
                        + o.budget() + " units cannot take this batch (" + o.used() + " used; the batch costs "
                        + o.cost() + "). Nothing was queued; the budget resets at 00:00 UTC.", Map.of(), Map.of());
            }
            if (r instanceof IntakeResult.Rejected x) {
                // The database refused a payload: the whole batch was rolled back.
                throw ApiException.invalid("A payload of this batch cannot be stored: " + x.message()
                        + " Nothing was queued.", Map.of("jobs", x.message()));
            }
        }
        int size = JOBS.length + JOBS_END.length + Math.max(0, results.size() - 1);
        boolean created = false;
        for (IntakeResult r : results) {
            if (r instanceof IntakeResult.Created) {
                created = true;
                size += jobSize(QUEUED, false);
            } else {
                size += jobSize(((IntakeResult.Existing) r).status(), true);
            }
        }
        byte[] out = new byte[size];
        int at = put(out, 0, JOBS);
        for (int i = 0; i < results.size(); i++) {
            if (i > 0) {
                out[at++] = ',';
            }
            IntakeResult r = results.get(i);
            at = r instanceof IntakeResult.Created c ? putJob(out, at, c.jobId().toString(), QUEUED, false)
                    : putJob(out, at, ((IntakeResult.Existing) r).jobId().toString(), ((IntakeResult.Existing) r).status(),
                    true);
        }
        put(out, at, JOBS_END);
        return new Answer(created ? 202 : 200, out, null);
    }

    /**
     * 503 when intake could not store the job: {@code database_unavailable} (with Retry-After) when no
     * connection could be had, {@code intake_unavailable} when the commit's outcome is unknown or intake stopped.
     */
    public static ApiException unavailable(Throwable e) {
        return unavailable(e, "job", false, "an idempotency_key");
    }

    /** {@link #unavailable(Throwable)} for a batch. */
    public static ApiException batchUnavailable(Throwable e) {
        return unavailable(e, "jobs", true, "idempotency_key on each job");
    }

    private static ApiException unavailable(Throwable e, String what, boolean many, String key) {
        String retry = " Retry with " + key + " to be safe: a repeat is answered with the first job.";
        if (e instanceof GroupCommit.Unconfirmed) {
            return ApiException.unavailable("intake_unavailable", "The database did not confirm the " + what
                    + " within " + Intake.ANSWER_TIMEOUT_MILLIS / 1000 + " s; it may still be stored." + retry);
        }
        if (e instanceof CommitOutcomeUnknown) {
            return ApiException.unavailable("intake_unavailable", "The connection to the database broke while the "
                    + what + (many ? " were" : " was") + " being committed; " + (many ? "they" : "it")
                    + " may have been stored." + retry);
        }
        if (Database.isConnectionFailure(e)) {
            return ApiException.databaseUnavailable("the " + what + (many ? " were" : " was")
                    + " not stored: nothing was queued");
        }
        return ApiException.unavailable("intake_unavailable", "The " + what + " could not be stored ("
                + e.getClass().getSimpleName() + "); nothing was queued. Retry shortly.");
    }

    /** {@code {"job_id":"<id>","status":"<status>"}}. */
    private static byte[] job(String id, String status) {
        byte[] out = new byte[jobSize(status, false)];
        putJob(out, 0, id, status, false);
        return out;
    }

    private static int jobSize(String status, boolean existing) {
        return JOB_ID.length + UUID_CHARS + STATUS.length + status.length() + (existing ? END_EXISTING : END).length;
    }

    private static int putJob(byte[] out, int at, String id, String status, boolean existing) {
        at = put(out, at, JOB_ID);
        at = putAscii(out, at, id);
        at = put(out, at, STATUS);
        at = putAscii(out, at, status);
        return put(out, at, existing ? END_EXISTING : END);
    }

    private static int put(byte[] out, int at, byte[] bytes) {
        System.arraycopy(bytes, 0, out, at, bytes.length);
        return at + bytes.length;
    }

    /** Copies text that JSON writes as it is (a UUID, a job state); anything else is a bug upstream. */
    private static int putAscii(byte[] out, int at, String s) {
        for (int i = 0; i < s.length(); i++) {
            char ch = s.charAt(i);
            if (ch < 0x20 || ch > 0x7e || ch == '"' || ch == '\\') {
                throw new IllegalArgumentException("not plain JSON text: " + s);
            }
            out[at++] = (byte) ch;
        }
        return at;
    }

    private static byte[] ascii(String s) {
        return s.getBytes(java.nio.charset.StandardCharsets.US_ASCII);
    }
}
