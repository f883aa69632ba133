package com.levqor.jobs.workflows;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.ServiceLoader;
import java.util.TreeMap;

/** The workflows of this process: the built-in ones and any found on the class path. */
public final class Workflows {
    private final Map<String, Workflow> byName;

    public Workflows(List<Workflow> workflows) {
        Map<String, Workflow> m = new TreeMap<>();
        for (Workflow w : workflows) {
            m.putIfAbsent(w.name(), w);
        }
        this.byName = Collections.unmodifiableMap(m);
    }

    /** Every {@link Workflow} that {@link ServiceLoader} finds (the built-ins are registered that way too). */
    public static Workflows discover() {
        List<Workflow> found = new ArrayList<>();
        ServiceLoader.load(Workflow.class, Workflows.class.getClassLoader()).forEach(found::add);
        return new Workflows(found);
    }

    public Optional<Workflow> get(String name) {
        return Optional.ofNullable(byName.get(name));
    }

    /** All, by name. */
    public List<Workflow> all() {
        return List.copyOf(byName.values());
    }

    public List<String> names() {
        return List.copyOf(byName.keySet());
    }
}
