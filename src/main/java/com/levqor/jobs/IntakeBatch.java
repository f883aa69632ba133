package com.levqor.jobs;

import com.levqor.db.GroupCommit;
import com.levqor.jobs.model.JobState;
import java.sql.Connection;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * One group-commit batch of new jobs: every job of its requests in order, what each job is
 * answered, and idempotency: a job whose key names a stored job of its account is answered with
 * that job; a job repeating a key used earlier in the batch is answered with the earlier one's job.
 */
final class IntakeBatch {
    final List<GroupCommit.Request<NewJob, List<IntakeResult>>> requests;
    /** The jobs in order, and the index of each one's request. */
    final NewJob[] jobs;
    final int[] requestOf;
    /** Each job's answer, once known. */
    final IntakeResult[] results;
    /** For a repeat of a key earlier in this batch: that job's index (else -1); null while there is none. */
    private int[] sameAs;

    IntakeBatch(List<GroupCommit.Request<NewJob, List<IntakeResult>>> requests) {
        this.requests = requests;
        int n = 0;
        for (GroupCommit.Request<NewJob, List<IntakeResult>> r : requests) {
            n += r.items().size();
        }
        jobs = new NewJob[n];
        requestOf = new int[n];
        results = new IntakeResult[n];
        int e = 0;
        for (int r = 0; r < requests.size(); r++) {
            for (NewJob job : requests.get(r).items()) {
                jobs[e] = job;
                requestOf[e++] = r;
            }
        }
    }

    int size() {
        return jobs.length;
    }

    boolean anyIdempotencyKey() {
        for (NewJob j : jobs) {
            if (j.idempotencyKey() != null) {
                return true;
            }
        }
        return false;
    }

    /** Whether job {@code e} is to be written: not answered yet and not a repeat of an earlier key. */
    boolean isNew(int e) {
        return results[e] == null && (sameAs == null || sameAs[e] < 0);
    }

    /**
     * Answers each job whose idempotency key a stored job of its account holds with that job, and
     * marks each repeat of a key used earlier in this batch (answered with that job's answer).
     */
    void deduplicate(JobStore store, Connection c) {
        List<java.util.UUID> accounts = new ArrayList<>();
        List<String> keys = new ArrayList<>();
        for (NewJob j : jobs) {
            if (j.idempotencyKey() != null) {
                accounts.add(j.accountId());
                keys.add(j.idempotencyKey());
            }
        }
        if (keys.isEmpty()) {
            return;
        }
        Map<String, IntakeResult.Existing> stored = store.withIdempotencyKeys(c,
                accounts.toArray(java.util.UUID[]::new), keys.toArray(String[]::new));
        Map<String, Integer> firstInBatch = new HashMap<>();
        for (int e = 0; e < jobs.length; e++) {
            String key = key(e);
            if (key == null) {
                continue;
            }
            IntakeResult.Existing s = stored.get(key);
            Integer first = firstInBatch.get(key);
            if (s != null) {
                results[e] = s;
            } else if (first != null) {
                if (sameAs == null) {
                    sameAs = new int[jobs.length];
                    Arrays.fill(sameAs, -1);
                }
                sameAs[e] = first; // answered with the first one's job after the insert
            } else {
                firstInBatch.put(key, e);
            }
        }
    }

    /** The job that holds job {@code e}'s key now that another process took it meanwhile, if any. */
    IntakeResult.Existing holderOfKey(JobStore store, Connection c, int e) {
        NewJob j = jobs[e];
        return store.withIdempotencyKeys(c, new java.util.UUID[] {j.accountId()}, new String[] {j.idempotencyKey()})
                .get(key(e));
    }

    private String key(int e) {
        NewJob j = jobs[e];
        return j.idempotencyKey() == null ? null : JobStore.idempotencyKey(j.accountId(), j.idempotencyKey());
    }

    /** Committed: answers each request with its jobs' results in order; counts the jobs created. */
    void answer(JobMetrics metrics) {
        int e = 0;
        for (GroupCommit.Request<NewJob, List<IntakeResult>> r : requests) {
            int size = r.items().size();
            List<IntakeResult> answer;
            if (size == 1) {
                answer = Collections.singletonList(result(e, metrics));
            } else {
                IntakeResult[] all = new IntakeResult[size];
                for (int i = 0; i < size; i++) {
                    all[i] = result(e + i, metrics);
                }
                answer = Arrays.asList(all);
            }
            e += size;
            r.answer().complete(answer);
        }
    }

    private IntakeResult result(int e, JobMetrics metrics) {
        IntakeResult r = results[e];
        if (sameAs != null && sameAs[e] >= 0) {
            IntakeResult first = results[sameAs[e]];
            r = first instanceof IntakeResult.Created created
                    ? new IntakeResult.Existing(created.jobId(), JobState.QUEUED.wire()) : first;
        }
        if (r instanceof IntakeResult.Created) {
            metrics.enqueued(jobs[e].workflow());
        }
        return r;
    }
}
