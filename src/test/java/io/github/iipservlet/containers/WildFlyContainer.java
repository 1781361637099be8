package io.github.iipservlet.containers;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * WildFly from wildfly-dist: {@code standalone.sh} with a server base directory under
 * target/containers (a copy of the distribution's standalone configuration), every port chosen
 * free. Configured as an administrator would, by config/wildfly/iip-servlet.cli (system
 * properties) and config/wildfly/access-control.cli (the access rules; the application users its
 * comment names added by add-user.sh first) run through jboss-cli.sh against the running server.
 * The first deploy is the plain drop-in: the WAR exactly as built copied into deployments/ as iip.war (context path /iip from the
 * file name), with no deployment overlay of any kind on the server. The redeploy takes the optional
 * route of config/wildfly/context-root.cli: iip-servlet.war with config/wildfly/jboss-web.xml laid
 * over it, giving the same /iip. Undeployed by removing the file (the deployment scanner).
 */
final class WildFlyContainer extends ProcessContainer {
    /** The plain drop-in's name: the file name is the context path. */
    static final String DROP_IN = CONTEXT_PATH.substring(1) + ".war";
    /** The name config/wildfly/context-root.cli's overlay is for. */
    static final String OVERLAID = "iip-servlet.war";

    private final Path home = Setup.path("containers.wildfly.home");
    private final Path base = Setup.containersDir().resolve("wildfly-base");
    private int managementPort;
    private Map<String, String> env;
    private int deploys;
    /** The file name in deployments/ of the current (or last) deployment. */
    private String deployment;

    WildFlyContainer(Path images) {
        super(images);
    }

    @Override
    public String name() {
        return "WildFly " + home.getFileName().toString().replace("wildfly-", "");
    }

    @Override
    public void start() throws Exception {
        Setup.deleteTree(base);
        Setup.copyTree(home.resolve("standalone/configuration"), base.resolve("configuration"));
        Files.createDirectories(base.resolve("deployments"));
        // The scanner looks at deployments/ every half second instead of five, only to keep the test short.
        Setup.edit(base.resolve("configuration/standalone.xml"), "scan-interval=\"5000\"", "scan-interval=\"500\"");
        // Idle request threads end after half a second. An idle one keeps the last task it ran in a
        // local variable of its loop, with the request handler of the webapp that served it, until
        // it runs another; after an undeploy that would hold the old class loader for as long as
        // the thread idles (the container's reference, not the webapp's), and the unload check
        // could not tell it from a leak.
        Setup.edit(base.resolve("configuration/standalone.xml"), "<worker name=\"default\"/>",
                "<worker name=\"default\" task-core-threads=\"0\" task-keepalive=\"500\"/>");
        port = Setup.freePort();
        managementPort = Setup.freePort();
        env = Map.of(
                "JAVA_HOME", System.getProperty("java.home"),
                "JAVA", Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "JBOSS_HOME", home.toString(),
                "METRICS", ServedProtocols.METRICS.get("METRICS"));
        addUsers();
        process = ContainerProcess.start(name(), List.of("/bin/sh", home.resolve("bin/standalone.sh").toString(),
                "-Djboss.server.base.dir=" + base,
                "-Djboss.http.port=" + port,
                "-Djboss.https.port=" + Setup.freePort(),
                "-Djboss.ajp.port=" + Setup.freePort(),
                "-Djboss.management.http.port=" + managementPort,
                "-Djboss.management.https.port=" + Setup.freePort(),
                "-b", "127.0.0.1", "-bmanagement", "127.0.0.1"),
                base, env, base.resolve("console.log"));
        // WFLYSRV0025: "... started in N ms"; WFLYSRV0026 is the same with services that failed.
        process.awaitLog("WFLYSRV0025", Duration.ofSeconds(120));
        cli("wildfly/iip-servlet.cli", Map.of("/srv/images/", images + "/"));
        cli("wildfly/access-control.cli", Map.of());
    }

    /**
     * The application users of config/wildfly/access-control.cli, added by the add-user.sh commands
     * its comment gives (with the test's password), into this server base's configuration.
     */
    private void addUsers() throws Exception {
        String example = Files.readString(Setup.example("wildfly/access-control.cli"), StandardCharsets.UTF_8);
        Matcher m = Pattern.compile("(?m)^#\\s+\\$JBOSS_HOME/bin/add-user\\.sh (.+)$").matcher(example);
        int users = 0;
        while (m.find()) {
            List<String> command = new ArrayList<>(List.of("/bin/sh", home.resolve("bin/add-user.sh").toString()));
            for (String arg : m.group(1).trim().split("\\s+")) {
                command.add(arg.equals(ServedAccess.EXAMPLE_PASSWORD) ? ServedAccess.PASSWORD : arg);
            }
            command.addAll(List.of("-sc", base.resolve("configuration").toString()));
            ContainerProcess.run(command, base, env, base.resolve("add-user-" + users++ + ".log"),
                    Duration.ofSeconds(60));
        }
        if (users != 2) {
            throw new AssertionError("config/wildfly/access-control.cli: " + users + " add-user.sh commands, expected"
                    + " staff and reader");
        }
    }

    /** Runs a config/ CLI example, filled in, through jboss-cli.sh against the running server. */
    private void cli(String example, Map<String, String> replacements) throws Exception {
        Path cliFile = base.resolve(Path.of(example).getFileName());
        Files.writeString(cliFile, Setup.filledExample(example, replacements), StandardCharsets.UTF_8);
        ContainerProcess.run(List.of("/bin/sh", home.resolve("bin/jboss-cli.sh").toString(), "--connect",
                "--controller=127.0.0.1:" + managementPort, "--file=" + cliFile), base, env,
                base.resolve(cliFile.getFileName() + ".log"), Duration.ofSeconds(120));
    }

    private Path deployments() {
        return base.resolve("deployments");
    }

    @Override
    public void deploy() throws Exception {
        if (deploys++ == 0) {
            // What a WildFly administrator does first: the WAR as built, dropped in, nothing laid over it.
            deployment = DROP_IN;
        } else {
            Files.copy(Setup.example("wildfly/jboss-web.xml"), base.resolve("jboss-web.xml"),
                    StandardCopyOption.REPLACE_EXISTING);
            cli("wildfly/context-root.cli", Map.of("/opt/iip-servlet/", base + "/"));
            deployment = OVERLAID;
        }
        Files.deleteIfExists(deployments().resolve(deployment + ".undeployed"));
        Setup.copyAtomically(Setup.war(), deployments().resolve(deployment));
        process.await(deployment + ".deployed", Duration.ofSeconds(120), () -> {
            if (Files.exists(deployments().resolve(deployment + ".failed"))) {
                throw new AssertionError(deployment + " failed to deploy\n" + process.logTail(60));
            }
            return Files.exists(deployments().resolve(deployment + ".deployed"));
        });
    }

    @Override
    public void undeploy() throws Exception {
        Files.delete(deployments().resolve(deployment));
    }

    /** The scanner's marker: written once the deployment is removed. */
    @Override
    public void awaitUndeployed() throws Exception {
        process.await(deployment + ".undeployed", Duration.ofSeconds(60),
                () -> Files.exists(deployments().resolve(deployment + ".undeployed")));
    }
}
