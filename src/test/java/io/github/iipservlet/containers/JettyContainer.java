package io.github.iipservlet.containers;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * Jetty 12 standalone from jetty-home: a JETTY_BASE under target/containers made by start.jar with
 * the http and ee10-deploy modules. The WAR is deployed by config/jetty/iip.xml, filled in,
 * appearing in webapps/ (with config/jetty/iip-override-web.xml and the users of
 * config/jetty/iip-realm.properties in etc/), and undeployed by removing it.
 */
final class JettyContainer extends ProcessContainer {
    private final Path home = Setup.path("containers.jetty.home");
    private final Path base = Setup.containersDir().resolve("jetty-base");

    JettyContainer(Path images) {
        super(images);
    }

    @Override
    public String name() {
        return "Jetty " + home.getFileName().toString().replace("jetty-home-", "");
    }

    private List<String> startJar(String... args) {
        List<String> command = new java.util.ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx384m", "-Djava.io.tmpdir=" + base.resolve("tmp"),
                "-jar", home.resolve("start.jar").toString(),
                "jetty.home=" + home, "jetty.base=" + base));
        command.addAll(List.of(args));
        return command;
    }

    @Override
    public void start() throws Exception {
        Setup.deleteTree(base);
        Files.createDirectories(base.resolve("tmp"));
        ContainerProcess.run(startJar("--add-modules=http,ee10-deploy"), base, Map.of(),
                base.resolve("add-modules.log"), Duration.ofSeconds(60));
        Files.createDirectories(base.resolve("etc"));
        Files.copy(Setup.example("jetty/iip-override-web.xml"), base.resolve("etc/iip-override-web.xml"));
        Files.writeString(base.resolve("etc/iip-realm.properties"), Setup.filledExample("jetty/iip-realm.properties",
                Map.of(": " + ServedAccess.EXAMPLE_PASSWORD, ": " + ServedAccess.PASSWORD)));
        port = Setup.freePort();
        // scanInterval: Jetty 12.1 only deploys and undeploys at run time when it is positive.
        process = ContainerProcess.start(name(), startJar("jetty.http.host=127.0.0.1", "jetty.http.port=" + port,
                "jetty.deploy.scanInterval=1"), base, ServedProtocols.METRICS, base.resolve("logs/console.log"));
        process.awaitLog("Started oejs.Server", Duration.ofSeconds(60));
    }

    private Path contextFile() {
        return base.resolve("webapps" + CONTEXT_PATH + ".xml");
    }

    @Override
    public void deploy() throws Exception {
        deployContextFile("jetty/iip.xml", contextFile());
    }

    @Override
    public void undeploy() throws Exception {
        Files.delete(contextFile());
    }
}
