package io.github.iipservlet.containers;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.iipservlet.testsupport.Http;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * The life of the WAR in one container, in order: deploy and serve every protocol, undeploy
 * without errors and without keeping the webapp's class loader, deploy again and serve again,
 * undeploy again. Each container's *ContainerIT names the container; failsafe runs them one after
 * the other (-Pcontainers). The steps are ordered 10, 20, 30, 40, so that a subclass can check more
 * between them.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
abstract class DeploymentCycle {
    /**
     * Packages only the WAR brings: the webapp's own classes, the ImageIO plugins it registers, its
     * cache, memcached client, native bindings and the AWS SDK of its S3 source. Still loaded after
     * an undeploy and a full collection, they mean its class loader leaked (a plugin left in
     * ImageIO's registry, a thread, a ThreadLocal, a Cleaner's action...).
     */
    private static final List<String> WAR_CLASSES = List.of("io.github.iipservlet.", "com.twelvemonkeys.imageio.",
            "com.github.jaiimageio.", "com.luciad.imageio.webp.", "de.digitalcollections.openjpeg.",
            "org.ehcache.", "net.spy.memcached.", "com.kenai.jffi.", "jnr.ffi.", "io.micrometer.", "io.prometheus.",
            "org.HdrHistogram.", "software.amazon.awssdk.");
    /**
     * Where the WAR's own ImageIO plugins live (its TIFF, JPEG, JPEG2000 and WebP readers and
     * writers): each undeploy must take them out of ImageIO's JVM-wide registry.
     */
    private static final List<String> WAR_IMAGEIO_PLUGINS = List.of("com.twelvemonkeys.imageio.",
            "com.github.jaiimageio.", "com.luciad.imageio.webp.", "de.digitalcollections.openjpeg.");
    /** Where to write the container's heap when its class loader leaked (-Dcontainers.heapdumps=DIR), or null. */
    private static final String HEAP_DUMPS = System.getProperty("containers.heapdumps");
    /**
     * Log lines no deploy or undeploy may print: errors (Tomcat's SEVERE, others' ERROR) and the
     * leak warnings Tomcat prints when it stops a webapp ("... started a thread named [x] but has
     * failed to stop it", "... created a ThreadLocal ... but failed to remove it").
     */
    private static final Pattern PROBLEM = Pattern.compile(
            "\\bSEVERE\\b|\\bERROR\\b|failed to stop it|failed to remove it|memory leak");
    private static final Duration DEPLOY_TIMEOUT = Duration.ofSeconds(120);
    private static final Duration UNDEPLOY_TIMEOUT = Duration.ofSeconds(60);
    /** How long after an undeploy the class loader may take to go (-Dcontainers.unloadSeconds, 20 by default). */
    private static final Duration UNLOAD_TIMEOUT = Duration.ofSeconds(Long.getLong("containers.unloadSeconds", 20));

    private Container container;
    private final Map<String, Long> millis = new LinkedHashMap<>();
    private long started;

    /** The container under test, not started (and what it needs besides, started). */
    abstract Container container() throws Exception;

    /** The container {@link #container()} gave, once started. */
    final Container started() {
        return container;
    }

    @BeforeAll
    void startContainer() throws Exception {
        started = System.nanoTime();
        container = container();
        long t = System.nanoTime();
        container.start();
        millis.put("start", (System.nanoTime() - t) / 1_000_000);
        assertEquals(404, Http.get(ServedProtocols.probeUrl(container.webappUrl())).status(),
                "nothing at " + Container.CONTEXT_PATH + " before the deploy");
    }

    @AfterAll
    void stopContainer() throws Exception {
        if (container == null) {
            return;
        }
        int mark = container.process() == null ? 0 : container.process().log().length();
        long t = System.nanoTime();
        container.close();
        millis.put("stop", (System.nanoTime() - t) / 1_000_000);
        millis.put("total", (System.nanoTime() - started) / 1_000_000);
        System.out.println(container.name() + " times (ms): " + millis);
        if (container.process() != null) {
            assertNoProblems("stopping", container.process().logSince(mark));
        }
    }

    @Test
    @Order(10)
    void deploysAndServesEveryProtocol() throws Exception {
        deployAndCheck("deploy");
    }

    @Test
    @Order(20)
    void undeploysWithoutErrorsOrLeaks() throws Exception {
        undeployAndCheck("undeploy");
    }

    @Test
    @Order(30)
    void redeploysAndServesAgain() throws Exception {
        deployAndCheck("redeploy");
    }

    @Test
    @Order(40)
    void undeploysAgainWithoutErrorsOrLeaks() throws Exception {
        undeployAndCheck("second undeploy");
    }

    private void deployAndCheck(String step) throws Exception {
        ContainerProcess process = container.process();
        int mark = process.log().length();
        long t = System.nanoTime();
        container.deploy();
        String probe = ServedProtocols.probeUrl(container.webappUrl());
        process.await(step + " answering " + probe, DEPLOY_TIMEOUT, () -> status(probe) == 200);
        millis.put(step, (System.nanoTime() - t) / 1_000_000);
        ServedProtocols.check(container.webappUrl());
        container.checkDeployed();
        assertTrue(!process.liveInstancesOf(WAR_IMAGEIO_PLUGINS, "Spi").isEmpty(),
                "the WAR's ImageIO plugins are registered while it is deployed (else their absence proves nothing)");
        // After that full collection, which /metrics must have seen.
        ServedProtocols.checkMetrics(container.webappUrl());
        assertNoProblems(step, process.logSince(mark));
    }

    private void undeployAndCheck(String step) throws Exception {
        ContainerProcess process = container.process();
        int mark = process.log().length();
        long t = System.nanoTime();
        container.undeploy();
        // The container's own sign first (WildFly's marker file): a request that meets a deployment
        // while it stops is answered 500 and logged as an ERROR by Undertow ("UT010051: Deployment
        // ... has stopped"), the container's doing, not the webapp's.
        container.awaitUndeployed();
        String probe = ServedProtocols.probeUrl(container.webappUrl());
        process.await(step + ": 404 from " + probe, UNDEPLOY_TIMEOUT, () -> status(probe) == 404);
        millis.put(step, (System.nanoTime() - t) / 1_000_000);
        // The webapp's plugins must have left ImageIO's JVM-wide registry, the one place that would
        // keep them alive: no instance of any of their service providers survives a full collection.
        List<String> plugins = process.liveInstancesOf(WAR_IMAGEIO_PLUGINS, "Spi");
        assertTrue(plugins.isEmpty(), container.name() + ": ImageIO plugins of the WAR still registered after the "
                + step + ": " + plugins);
        // And nothing may keep the webapp's class loader: every class of the WAR unloaded. It becomes
        // collectable only once the container has let go of the context, which may trail the 404
        // by a moment: retry the full collection until the deadline.
        long deadline = System.nanoTime() + UNLOAD_TIMEOUT.toNanos();
        List<String> left = process.loadedClasses(WAR_CLASSES);
        while (!left.isEmpty() && System.nanoTime() < deadline) {
            Thread.sleep(1000);
            // Traffic goes on, as it would: a container thread may hold a stale reference to the
            // last connection it served until it serves another (seen: Jetty's selector keeps its
            // last selected key, whose connection caches the old context).
            status(probe);
            left = process.loadedClasses(WAR_CLASSES);
        }
        millis.put(step + " unloaded", (System.nanoTime() - t) / 1_000_000);
        if (!left.isEmpty() && HEAP_DUMPS != null) {
            Path dump = Path.of(HEAP_DUMPS, container.name().replace(' ', '-') + "-" + step.replace(' ', '-')
                    + ".hprof");
            process.heapDump(dump);
            System.out.println(container.name() + ": heap after the " + step + " in " + dump.toAbsolutePath());
        }
        assertTrue(left.isEmpty(), container.name() + ": " + left.size() + " classes of the WAR still loaded "
                + UNLOAD_TIMEOUT + " after the " + step + " (class loader leaked), e.g. "
                + left.subList(0, Math.min(20, left.size())));
        assertNoProblems(step, process.logSince(mark));
    }

    private void assertNoProblems(String step, String log) {
        List<String> problems = log.lines().filter(line -> PROBLEM.matcher(line).find()).toList();
        assertTrue(problems.isEmpty(), container.name() + " logged during the " + step + ":\n"
                + String.join("\n", problems.subList(0, Math.min(30, problems.size()))));
    }

    private static int status(String url) {
        try {
            return Http.get(url).status();
        } catch (IOException e) {
            return -1;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return -1;
        }
    }
}
