package com.levqor.runtime;

import java.io.InputStream;
import java.util.Properties;

/** The version of this build, from the filtered {@code levqor-version.properties}. */
public final class Version {
    private static final String VERSION = load();

    private Version() {
    }

    private static String load() {
        try (InputStream in = Version.class.getResourceAsStream("/levqor-version.properties")) {
            Properties p = new Properties();
            if (in != null) {
                p.load(in);
            }
            return p.getProperty("version", "dev");
        } catch (Exception e) {
            return "dev";
        }
    }

    public static String get() {
        return VERSION;
    }
}
