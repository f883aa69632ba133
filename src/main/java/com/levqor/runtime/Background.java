package com.levqor.runtime;

import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;

/**
 * A piece of start-up work done on a thread of its own while the caller goes on (loading the trust
 * store, reading the JVM's management beans, opening the database): the cold start is the sum of
 * what stays on the main thread, and these parts wait mostly on I/O or on a class's first use.
 * {@link #join()} waits for the result and throws what the work threw, as if it had run in place.
 */
public final class Background<T> {
    private final CompletableFuture<T> result = new CompletableFuture<>();

    private Background() {
    }

    /** Starts {@code work} on a new daemon thread named {@code levqor-start-<name>}. */
    public static <T> Background<T> start(String name, Callable<T> work) {
        Background<T> b = new Background<>();
        Thread t = new Thread(() -> {
            try {
                b.result.complete(work.call());
            } catch (Throwable e) { // handed to join(), which rethrows it on the caller's thread
                b.result.completeExceptionally(e);
            }
        }, "levqor-start-" + name);
        t.setDaemon(true);
        t.start();
        return b;
    }

    /** The work's result once done; rethrows its unchecked exception or error (a checked one wrapped). */
    public T join() {
        try {
            return result.join();
        } catch (CompletionException e) {
            Throwable cause = e.getCause();
            if (cause instanceof RuntimeException r) {
                throw r;
            }
            if (cause instanceof Error err) {
                throw err;
            }
            throw new IllegalStateException(cause.getMessage(), cause);
        }
    }

    /** True once the work ended, with a result or a failure. */
    public boolean done() {
        return result.isDone();
    }
}
