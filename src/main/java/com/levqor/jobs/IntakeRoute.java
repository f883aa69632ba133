package com.levqor.jobs;

import com.levqor.http.DirectRoute;
import java.util.List;
import java.util.concurrent.CompletionException;

/**
 * {@code POST /api/v1/intake} as a {@link DirectRoute}: the same validation and answers as
 * {@link JobHandlers#intake}, but the request thread only queues the job; the intake writer that
 * commits its batch writes the answer.
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
                    JobHandlers.IntakeAnswer answer = JobHandlers.intakeAnswer(results.get(0), exchange.caller());
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
