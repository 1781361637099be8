package io.github.iipservlet.containers;

/**
 * One servlet container in its own process, deploying the WAR through its own mechanism (a file
 * it watches, a management tool). Deploy and undeploy only start the change; the caller waits for
 * its effect over HTTP.
 */
interface Container extends AutoCloseable {
    /** Context path every container deploys the WAR at. */
    String CONTEXT_PATH = "/iip";

    /** Name and version, for reports. */
    String name();

    /** Starts the container, empty, and waits until it serves. */
    void start() throws Exception;

    void deploy() throws Exception;

    void undeploy() throws Exception;

    /** Checks what only this container's configuration shows, once the WAR serves (nothing by default). */
    default void checkDeployed() throws Exception {
    }

    /** Waits for a container-specific sign that the undeploy finished, before the 404 is probed (none by default). */
    default void awaitUndeployed() throws Exception {
    }

    /** {@code http://127.0.0.1:<port>/iip} */
    String webappUrl();

    ContainerProcess process();

    /** Stops the container's processes; does nothing when it never started. */
    @Override
    void close() throws Exception;
}
