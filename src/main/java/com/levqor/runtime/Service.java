package com.levqor.runtime;

/**
 * A part of the process with a start: threads, listeners, connections that are opened only once
 * everything is built. {@link Lifecycle} starts services in the order they were added and closes
 * them in reverse.
 */
public interface Service extends AutoCloseable {
    /** Starts the service; called once. */
    void start();

    /** Stops the service and waits (boundedly) for its threads; idempotent, never throws. */
    @Override
    void close();
}
