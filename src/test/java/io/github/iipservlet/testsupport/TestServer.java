package io.github.iipservlet.testsupport;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import org.eclipse.jetty.ee10.webapp.WebAppContext;
import org.eclipse.jetty.security.HashLoginService;
import org.eclipse.jetty.security.UserStore;
import org.eclipse.jetty.util.security.Credential;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.util.resource.Resource;
import org.eclipse.jetty.util.resource.ResourceFactory;

/**
 * Starts the real webapp (src/main/webapp with its web.xml, plus the viewer's OpenSeadragon that the
 * build copies into target/viewer-lib; classes from the test class path) in embedded Jetty 12 on a
 * free loopback port. Configuration is given as iipsrv variable names; it
 * reaches the webapp through the context attribute the listener reads last (see
 * {@code ServerConfig.OVERRIDES_ATTRIBUTE}), so several servers with different settings can run in
 * one JVM.
 *
 * <p>Also a main class for the benchmark and by-hand runs:
 * {@code java -cp ... TestServer PORT [NAME=VALUE ...]}.
 */
public final class TestServer implements AutoCloseable {
    /** Same name as ServerConfig.OVERRIDES_ATTRIBUTE; repeated here to keep the test harness independent. */
    public static final String OVERRIDES_ATTRIBUTE = "io.github.iipservlet.config.overrides";

    /** The password of the test realm's users. */
    public static final String PASSWORD = "pw";

    private final Server server;
    private final WebAppContext webapp;
    private final int port;
    private final String contextPath;

    private TestServer(Server server, WebAppContext webapp, int port, String contextPath) {
        this.server = server;
        this.webapp = webapp;
        this.port = port;
        this.contextPath = contextPath;
    }

    public static TestServer start(Map<String, String> config) throws Exception {
        return start(0, "/", config);
    }

    public static TestServer start(int port, String contextPath, Map<String, String> config) throws Exception {
        return start(port, contextPath, config, webapp -> { });
    }

    /**
     * @param customizer given the webapp before it starts, for what a container would add around it
     *                   (its security: a login service and constraints)
     */
    public static TestServer start(int port, String contextPath, Map<String, String> config,
            java.util.function.Consumer<WebAppContext> customizer) throws Exception {
        Server server = new Server();
        ServerConnector connector = new ServerConnector(server);
        connector.setHost("127.0.0.1");
        connector.setPort(port);
        server.addConnector(connector);
        WebAppContext webapp = new WebAppContext();
        webapp.setContextPath(contextPath);
        webapp.setBaseResource(webappResources(webapp));
        webapp.setParentLoaderPriority(true);
        webapp.setAttribute(OVERRIDES_ATTRIBUTE, new HashMap<>(config));
        webapp.setThrowUnavailableOnStartupException(true);
        // What a container's realm gives the WAR's FORM login (web.xml): users "staff" (role staff)
        // and "reader" (no role), password "pw". Jetty will not start a login-config without one.
        UserStore users = new UserStore();
        users.addUser("staff", Credential.getCredential(PASSWORD), new String[] {"staff"});
        users.addUser("reader", Credential.getCredential(PASSWORD), new String[0]);
        HashLoginService login = new HashLoginService("iip-servlet");
        login.setUserStore(users);
        webapp.getSecurityHandler().setLoginService(login);
        customizer.accept(webapp);
        server.setHandler(webapp);
        server.start();
        return new TestServer(server, webapp, connector.getLocalPort(), contextPath);
    }

    private static Path webappDir() {
        Path here = Path.of("src/main/webapp").toAbsolutePath();
        if (!Files.isDirectory(here)) {
            throw new IllegalStateException("run from the project root: " + here + " is missing");
        }
        return here;
    }

    /**
     * src/main/webapp overlaid with target/viewer-lib (OpenSeadragon as the build copies it into the
     * WAR, under viewer/openseadragon/), so tests see the files the WAR holds. Without that folder (npm
     * absent, or a run outside Maven) the webapp sources alone.
     */
    private static Resource webappResources(WebAppContext webapp) {
        ResourceFactory factory = ResourceFactory.of(webapp);
        Resource sources = factory.newResource(webappDir());
        Path viewerLib = Path.of("target/viewer-lib").toAbsolutePath();
        if (!Files.isDirectory(viewerLib)) {
            return sources;
        }
        return ResourceFactory.combine(sources, factory.newResource(viewerLib));
    }

    /** A servlet context attribute of the running webapp (the context's services, for tests of their life cycle). */
    public Object contextAttribute(String name) {
        return webapp.getServletContext().getAttribute(name);
    }

    public int port() {
        return port;
    }

    /** http://127.0.0.1:PORT/CONTEXT (no trailing slash). */
    public String baseUrl() {
        return "http://127.0.0.1:" + port + ("/".equals(contextPath) ? "" : contextPath);
    }

    /** The IIP endpoint as iipsrv answers it: base + /fcgi-bin/iipsrv.fcgi */
    public String iipUrl() {
        return baseUrl() + "/fcgi-bin/iipsrv.fcgi";
    }

    /** The JSON of /health, checked to be a 200 JSON reply. */
    public String health() throws Exception {
        Http.Reply r = Http.get(baseUrl() + "/health");
        if (r.status() != 200 || !"application/json".equals(r.contentType())) {
            throw new AssertionError("/health answered " + r.status() + " " + r.contentType() + ": " + r.text());
        }
        return r.text();
    }

    /** An integer field of a /health reply. */
    public static long healthNumber(String healthJson, String field) {
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("\"" + field + "\":(-?\\d+)").matcher(healthJson);
        if (!m.find()) {
            throw new AssertionError("no " + field + " in " + healthJson);
        }
        return Long.parseLong(m.group(1));
    }

    @Override
    public void close() throws Exception {
        server.stop();
    }

    public static void main(String[] args) throws Exception {
        int port = Integer.parseInt(args[0]);
        Map<String, String> config = new HashMap<>();
        for (int i = 1; i < args.length; i++) {
            int eq = args[i].indexOf('=');
            config.put(args[i].substring(0, eq), args[i].substring(eq + 1));
        }
        TestServer server = start(port, "/", config);
        System.out.println("listening " + server.iipUrl());
        server.server.join();
    }
}
