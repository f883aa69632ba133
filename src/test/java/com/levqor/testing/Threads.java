package com.levqor.testing;

import java.time.Duration;

/** Which threads of the test JVM are alive, by name: background services start and stop theirs. */
public final class Threads {
    private Threads() {
    }

    public static boolean alive(String name) {
        return Thread.getAllStackTraces().keySet().stream().anyMatch(t -> t.isAlive() && t.getName().equals(name));
    }

    /** Waits (generously) until no thread of that name is left. */
    public static void awaitGone(String name) {
        Await.until("thread " + name + " to end", Duration.ofSeconds(10), () -> !alive(name));
    }
}
