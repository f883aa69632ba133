package com.levqor.http;

import com.levqor.jobs.IntakeResult;
import com.levqor.jobs.JobHandlers;
import com.levqor.jobs.Jobs;
import com.levqor.jobs.NewJob;
import com.levqor.jobs.model.JobState;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CompletionException;

/**
 * {@code POST /api/v1/intake} as a {@link DirectRoute}: the same validation and answers as
 * {@link JobHandlers#intake} (its parser and answer builder), but the request thread only queues
 * the job; the intake writer that commits its batch writes the answer.
 */
public final class IntakeRoute extends DirectRoute {
    private final Jobs jobs;
    private final JobHandlers handlers;

    public IntakeRoute(Jobs jobs, JobHandlers handlers, Shared shared) {
        super("POST", "/api/v1/intake", shared);
        this.jobs = jobs;
        this.handlers = handlers;
    }

    @Override
    protected void serve(Exchange exchange) {
        NewJob job = handlers.parse(exchange.caller(), exchange.body(), exchange.header("Idempotency-Key"));
        try {
            jobs.intake().submit(List.of(job)).whenComplete((results, failure) -> {
                if (failure != null) {
                    exchange.fail(JobHandlers.intakeUnavailable(failure instanceof CompletionException c
                            && c.getCause() != null ? c.getCause() : failure));
                    return;
                }
                try {
                    IntakeResult result = results.get(0);
                    if (result instanceof IntakeResult.Created c) {
                        // What Jackson writes for the body of JobHandlers.intakeAnswer, without it (ids and states
                        // need no escaping); IntakeRouteTest holds the two equal.
                        String id = c.jobId().toString();
                        exchange.answerJson(202, ("{\"job_id\":\"" + id + "\",\"status\":\"" + JobState.QUEUED.wire()
                                + "\"}").getBytes(StandardCharsets.US_ASCII), "Location", "/api/v1/status/" + id);
                        return;
                    }
                    JobHandlers.IntakeAnswer answer = JobHandlers.intakeAnswer(result, exchange.caller());
                    exchange.answer(answer.status(), answer.body(), "Location", answer.location());
                } catch (RuntimeException e) {
                    exchange.fail(e);
                }
            });
        } catch (IllegalStateException e) {
            throw JobHandlers.intakeUnavailable(e); // stopped or full: nothing was queued
        }
    }
}
