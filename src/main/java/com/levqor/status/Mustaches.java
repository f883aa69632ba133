package com.levqor.status;

import com.github.mustachejava.DefaultMustacheFactory;
import com.github.mustachejava.Mustache;
import com.levqor.email.PlainMustacheFactory;
import java.io.StringWriter;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The status package's templates (files under {@code src/main/resources/status/}), compiled once:
 * HTML and Atom escape every value (they only ever hold text of the characters XML allows: inputs
 * are checked for control characters), plain text does not.
 */
final class Mustaches {
    private static final String ROOT = "status";
    private final DefaultMustacheFactory escaping = new DefaultMustacheFactory(ROOT);
    private final DefaultMustacheFactory plain = new PlainMustacheFactory(ROOT);
    private final Map<String, Mustache> compiled = new ConcurrentHashMap<>();

    /** Renders an HTML, SVG or Atom template: values are escaped. */
    String markup(String name, Object scope) {
        return run(escaping, "markup:", name, scope);
    }

    /** Renders a plain-text template: values are written as they are. */
    String text(String name, Object scope) {
        return run(plain, "text:", name, scope);
    }

    private String run(DefaultMustacheFactory factory, String kind, String name, Object scope) {
        Mustache m = compiled.computeIfAbsent(kind + name, k -> factory.compile(name));
        StringWriter out = new StringWriter();
        m.execute(out, scope);
        return out.toString();
    }
}
