package com.levqor.email;

import com.github.mustachejava.DefaultMustacheFactory;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.io.Writer;

/**
 * mustache.java for plain text (an email's text part and subject, an incident's status-page text):
 * values are written as they are, not HTML-escaped.
 */
public final class PlainMustacheFactory extends DefaultMustacheFactory {
    /** @param resourceRoot the class-path folder the templates are in, e.g. {@code email} */
    public PlainMustacheFactory(String resourceRoot) {
        super(resourceRoot);
    }

    @Override
    public void encode(String value, Writer writer) {
        try {
            writer.write(value);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
