package com.levqor.http;

import com.levqor.jobs.IntakeAnswers;
import com.levqor.jobs.JobHandlers;
import com.levqor.jobs.Jobs;
import com.levqor.jobs.NewJob;
import com.levqor.jobs.NewJobRequests;
import java.util.List;
import java.util.concurrent.CompletionException;

/**
 * {@code POST /api/v1/intake} as a {@link DirectRoute}: the same parser and answers as
 * {@link JobHandlers#intake} ({@link NewJobRequests}, {@link IntakeAnswers}), but the request thread
 * only queues the job; the intake writer that commits its batch writes the answer.
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
        NewJob job = handlers.requests().parse(exchange.caller(), exchange.body(), exchange.header("Idempotency-Key"));
        try {
            jobs.intake().submit(List.of(job)).whenComplete((results, failure) -> {
                if (failure != null) {
                    exchange.fail(IntakeAnswers.unavailable(failure instanceof CompletionException c
                            && c.getCause() != null ? c.getCause() : failure));
                    return;
                }
                try {
                    IntakeAnswers.Answer answer = IntakeAnswers.of(results.get(0), exchange.caller());
                    exchange.answerJson(answer.status(), answer.json(), "Location", answer.location());
                } catch (RuntimeException e) {
                    exchange.fail(e);
                }
            });
        } catch (IllegalStateException e) {
            throw IntakeAnswers.unavailable(e); // stopped or full: nothing was queued
        }
    }
}
