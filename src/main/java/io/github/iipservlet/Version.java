package io.github.iipservlet;

import java.io.IOException;
import java.io.InputStream;
import java.util.Properties;

/** The build's version (filtered into version.properties by Maven) and the names derived from it. */
public final class Version {
    public static final String NUMBER = load();
    /** Server header value (docs/decisions.md Decision 6). */
    public static final String SERVER = "iip-servlet/" + NUMBER;
    /** The IIP protocol version we answer as (iipsrv 1.3, docs/decisions.md Decision 1). */
    public static final String IIP = "1.3";

    private Version() {
    }

    private static String load() {
        try (InputStream in = Version.class.getResourceAsStream("version.properties")) {
            Properties p = new Properties();
            if (in != null) {
                p.load(in);
            }
            String v = p.getProperty("version", "dev");
            return v.startsWith("${") ? "dev" : v;
        } catch (IOException e) {
            return "dev";
        }
    }
}
