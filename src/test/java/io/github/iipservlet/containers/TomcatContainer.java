package io.github.iipservlet.containers;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.iipservlet.testsupport.Http;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Tomcat from its distribution: {@code catalina.sh run} with CATALINA_HOME the unpacked zip and a
 * fresh CATALINA_BASE under target/containers. The WAR is deployed by config/tomcat/context.xml,
 * filled in, appearing as conf/Catalina/localhost/iip.xml (the Host's autoDeploy), and undeployed by
 * removing that file. The distribution's conf/server.xml gets config/tomcat/server.xml merged in
 * (relaxedQueryChars, ErrorReportValve); JVM options come from config/tomcat/setenv.sh, logging
 * from config/log4j2.xml, the users of the access rules from config/tomcat/tomcat-users.xml.
 * Tests may add context parameters to the context file (FILESYSTEM_PREFIX among them replacing
 * the images folder) and variables to the Tomcat process's environment.
 */
final class TomcatContainer extends ProcessContainer {
    private final String name;
    private final Path home;
    private final Path base;
    private final Map<String, String> parameters;
    private final Map<String, String> environment;

    TomcatContainer(String homeProperty, Path images) {
        this(homeProperty, images, Map.of(), Map.of());
    }

    /**
     * @param parameters  context parameters written into the context file besides the example's
     *                    (FILESYSTEM_PREFIX replaces the example's value: the images folder by default)
     * @param environment variables added to the environment of the Tomcat process
     */
    TomcatContainer(String homeProperty, Path images, Map<String, String> parameters, Map<String, String> environment) {
        super(images);
        this.parameters = Map.copyOf(parameters);
        this.environment = Map.copyOf(environment);
        this.home = Setup.path(homeProperty);
        this.name = "Tomcat " + home.getFileName().toString().replace("apache-tomcat-", "");
        this.base = Setup.containersDir().resolve(home.getFileName().toString().replace("apache-", "") + "-base");
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public void start() throws Exception {
        Setup.deleteTree(base);
        Setup.copyTree(home.resolve("conf"), base.resolve("conf"));
        for (String dir : List.of("logs", "temp", "webapps", "work", "conf/Catalina/localhost")) {
            Files.createDirectories(base.resolve(dir));
        }
        port = Setup.freePort();
        Path serverXml = base.resolve("conf/server.xml");
        // What an administrator sets for iip-servlet: config/tomcat/server.xml merged in as its
        // comment says (raw [ ] in query values, no stack trace or version on Tomcat's error pages).
        ServerXmlExample.apply(Setup.example("tomcat/server.xml"), serverXml);
        // No shutdown port: the process is stopped by a signal.
        Setup.edit(serverXml, "<Server port=\"8005\"", "<Server port=\"-1\"");
        Setup.edit(serverXml, "<Connector port=\"8080\"", "<Connector address=\"127.0.0.1\" port=\"" + port + "\"");
        // The Host looks for added or removed context files at every background run: every
        // second here instead of ten, only to keep the test short.
        Setup.edit(serverXml, "<Engine name=\"Catalina\" defaultHost=\"localhost\">",
                "<Engine name=\"Catalina\" defaultHost=\"localhost\" backgroundProcessorDelay=\"1\">");
        // The users of the access rules (config/tomcat/context.xml) in Tomcat's own realm, the
        // UserDatabaseRealm of the distribution's server.xml: config/tomcat/tomcat-users.xml.
        Files.writeString(base.resolve("conf/tomcat-users.xml"), Setup.filledExample("tomcat/tomcat-users.xml",
                Map.of("\"" + ServedAccess.EXAMPLE_PASSWORD + "\"", "\"" + ServedAccess.PASSWORD + "\"")));
        // JVM options as an administrator sets them: config/tomcat/setenv.sh, with the example
        // Log4j 2 configuration (config/log4j2.xml) writing its file under the base.
        Files.createDirectories(base.resolve("bin"));
        Files.writeString(base.resolve("log4j2.xml"), Setup.filledExample("log4j2.xml",
                Map.of("/var/log/iip-servlet/", logFile().getParent() + "/")));
        Files.writeString(base.resolve("bin/setenv.sh"), Setup.filledExample("tomcat/setenv.sh", Map.of(
                "/etc/iip-servlet/log4j2.xml", base.resolve("log4j2.xml").toString(),
                "-Xmx1g", "-Xmx384m")));
        // METRICS=1 as an environment variable, one of the ways docs/operations.md "Configuration" names.
        Map<String, String> env = new HashMap<>(environment);
        env.putAll(Map.of(
                "CATALINA_HOME", home.toString(),
                "CATALINA_BASE", base.toString(),
                "JAVA_HOME", System.getProperty("java.home"),
                "METRICS", ServedProtocols.METRICS.get("METRICS")));
        // sh: the zip does not keep the scripts' executable bits.
        process = ContainerProcess.start(name, List.of("/bin/sh", home.resolve("bin/catalina.sh").toString(), "run"),
                base, env, base.resolve("logs/console.log"));
        process.awaitLog("Server startup in", Duration.ofSeconds(60));
    }

    /** CATALINA_BASE: the configuration, logs and work files of this Tomcat. */
    Path base() {
        return base;
    }

    /** The rolling file of config/log4j2.xml, as setenv.sh points the JVM at it. */
    Path logFile() {
        return base.resolve("iip-logs/iip-servlet.log");
    }

    /**
     * The webapp logged to the file of the example Log4j 2 configuration that setenv.sh names, and
     * Tomcat's own error pages show neither a stack trace nor Tomcat's version
     * (config/tomcat/server.xml's ErrorReportValve).
     */
    @Override
    public void checkDeployed() throws Exception {
        String log = Files.exists(logFile()) ? Files.readString(logFile()) : "";
        if (!log.contains(" starting; configuration: ")) {
            throw new AssertionError(logFile() + " (config/log4j2.xml through config/tomcat/setenv.sh) lacks the"
                    + " webapp's start-up line:\n" + log);
        }
        // Pages Tomcat writes itself, the webapp never reached: a character the connector refuses in
        // the query (by default its page shows the exception and its stack trace), a bad escape in
        // the path, a path no webapp serves.
        checkTomcatErrorPage(CONTEXT_PATH + "/fcgi-bin/iipsrv.fcgi?FIF=" + ServedProtocols.IMAGE + "&x={}", 400);
        checkTomcatErrorPage("/%zz", 400);
        checkTomcatErrorPage("/no-such-webapp/", 404);
    }

    private void checkTomcatErrorPage(String target, int status) throws Exception {
        Http.Reply r = RawHttp.get(webappUrl(), target);
        String page = r.text();
        assertEquals(status, r.status(), target + ": " + page);
        assertTrue(page.contains("HTTP Status " + status), target + ": not Tomcat's error page: " + page);
        String version = home.getFileName().toString().replace("apache-tomcat-", "");
        for (String leak : List.of("Exception", "java.", ".java:", "Tomcat", version)) {
            assertFalse(page.contains(leak), target + ": Tomcat's error page shows '" + leak + "' (stack trace or"
                    + " server version; config/tomcat/server.xml's ErrorReportValve hides them):\n" + page);
        }
        assertTrue(r.headers().map().values().stream().flatMap(List::stream).noneMatch(v -> v.contains("Tomcat")),
                target + ": a header names Tomcat: " + r.headers().map());
    }

    private Path contextFile() {
        return base.resolve("conf/Catalina/localhost" + CONTEXT_PATH + ".xml");
    }

    @Override
    public void deploy() throws Exception {
        if (parameters.isEmpty()) {
            deployContextFile("tomcat/context.xml", contextFile());
            return;
        }
        // The example filled in as deployContextFile fills it, with the test's parameters:
        // FILESYSTEM_PREFIX in place of the example's value, the others added the example's way.
        StringBuilder more = new StringBuilder();
        for (Map.Entry<String, String> p : new java.util.TreeMap<>(parameters).entrySet()) {
            if (!p.getKey().equals("FILESYSTEM_PREFIX")) {
                more.append("  <Parameter name=\"").append(p.getKey()).append("\" value=\"")
                        .append(xmlAttribute(p.getValue())).append("\" override=\"false\"/>\n");
            }
        }
        String prefix = parameters.getOrDefault("FILESYSTEM_PREFIX", images + "/");
        String context = Setup.filledExample("tomcat/context.xml", Map.of(
                "/opt/iip-servlet/iip-servlet.war", Setup.war().toString(),
                "\"/srv/images/\"", "\"" + xmlAttribute(prefix) + "\"",
                "</Context>", more + "</Context>"));
        Setup.writeAtomically(contextFile(), context.getBytes(StandardCharsets.UTF_8));
    }

    private static String xmlAttribute(String value) {
        return value.replace("&", "&amp;").replace("<", "&lt;").replace("\"", "&quot;");
    }

    @Override
    public void undeploy() throws Exception {
        Files.delete(contextFile());
    }
}
