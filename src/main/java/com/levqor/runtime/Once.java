package com.levqor.runtime;

import java.util.function.Supplier;

/**
 * A value made at its first use, once: for what costs a start-up measurable time but is needed only
 * later (the job statements rendered by jOOQ), made by whoever asks first, or ahead of the first use
 * once the server answers. A failure is not kept: the next use tries again.
 */
public final class Once<T> implements Supplier<T> {
    private final Supplier<T> make;
    private volatile T value;

    public Once(Supplier<T> make) {
        this.make = make;
    }

    @Override
    public T get() {
        T v = value;
        if (v == null) {
            synchronized (this) {
                v = value;
                if (v == null) {
                    v = make.get();
                    value = v;
                }
            }
        }
        return v;
    }

    /** True once the value has been made. */
    public boolean made() {
        return value != null;
    }
}
