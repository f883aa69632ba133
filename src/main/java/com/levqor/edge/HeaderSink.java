package com.levqor.edge;

/** Where an adapter lets the edge write the headers of an answer (its own response, in its own form). */
@FunctionalInterface
public interface HeaderSink {
    void header(String name, String value);
}
