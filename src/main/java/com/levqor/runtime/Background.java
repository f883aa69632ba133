package com.levqor.runtime;

import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * A piece of start-up work done on a thread of its own while the caller goes on (loading the trust
 * store, reading the JVM's management beans, opening the database): the cold start is the sum of
 * what stays on the main thread, and these parts wait mostly on I/O or on a class's first use.
 * {@link #join()} waits for the result and throws what the work threw, as if it had run in place.
 */
public final class Background<T> {
    private final CompletableFuture<T> result = new CompletableFuture<>();
    private final Thread thread;
    private final AtomicBoolean begun = new AtomicBoolean();

    private Background(String name, Callable<T> work) {
        thread = new Thread(() -> {
            try {
                result.complete(work.call());
            } catch (Throwable e) { // handed to join(), which rethrows it on the caller's thread
                result.completeExceptionally(e);
            }
        }, "levqor-start-" + name);
        thread.setDaemon(true);
    }

    /** Starts {@code work} on a new daemon thread named {@code levqor-start-<name>}. */
    public static <T> Background<T> start(String name, Callable<T> work) {
        Background<T> b = held(name, work);
        b.begin();
        return b;
    }

    /**
     * As {@link #start}, but the work begins only at {@link #begin()} or at the first {@link #join()}:
     * for work nothing needs before the server answers (the trust store, the JVM's management beans),
     * which would otherwise take a core from the start.
     */
    public static <T> Background<T> held(String name, Callable<T> work) {
        return new Background<>(name, work);
    }

    /** Starts the work if it has not started yet; returns at once. */
    public void begin() {
        if (begun.compareAndSet(false, true)) {
            thread.start();
        }
    }

    /** The work's result once done (beginning it if it was held); rethrows its unchecked exception or error (a checked one wrapped). */
    public T join() {
        begin();
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

    /** True once the work has begun (always for {@link #start}). */
    public boolean begun() {
        return begun.get();
    }

    /** True once the work ended, with a result or a failure. */
    public boolean done() {
        return result.isDone();
    }
}
