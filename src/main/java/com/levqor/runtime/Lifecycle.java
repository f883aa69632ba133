package com.levqor.runtime;

import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The parts of one process in the order they were built: {@link #start()} starts the
 * {@link Service}s among them in that order, {@link #close()} closes every part in reverse order
 * (a part that fails to close is logged and the rest still close). The composition root adds each
 * part right after constructing it, so a failure half-way through building closes what was built.
 */
public final class Lifecycle implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(Lifecycle.class);

    private record Part(String name, AutoCloseable closeable) {
    }

    private final List<Part> parts = new ArrayList<>();
    private int started;
    private boolean closed;

    /** Adds a part (closed in reverse order of adding; started in order when it is a {@link Service}). */
    public synchronized <T extends AutoCloseable> T add(String name, T part) {
        if (closed) {
            throw new IllegalStateException("lifecycle closed: cannot add " + name);
        }
        parts.add(new Part(name, part));
        return part;
    }

    /** Starts every {@link Service} not started yet, in the order added. A failure closes everything. */
    public synchronized Lifecycle start() {
        try {
            for (; started < parts.size(); started++) {
                if (parts.get(started).closeable() instanceof Service s) {
                    s.start();
                }
            }
        } catch (RuntimeException | Error e) {
            close();
            throw e;
        }
        return this;
    }

    /** The names of the parts, in the order they start. */
    public synchronized List<String> names() {
        return parts.stream().map(Part::name).toList();
    }

    /** Closes every part in reverse order; idempotent. */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        for (int i = parts.size() - 1; i >= 0; i--) {
            Part p = parts.get(i);
            try {
                p.closeable().close();
            } catch (Exception e) {
                log.warn("Closing {} failed: {}", p.name(), e.toString());
            } catch (Error e) {
                log.error("Closing {} failed", p.name(), e);
            }
        }
    }
}
