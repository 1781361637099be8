package io.github.iipservlet.containers;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Map;

/** What every container here has: one process, an HTTP port chosen at start, the images it serves. */
abstract class ProcessContainer implements Container {
    protected final Path images;
    protected int port;
    protected ContainerProcess process;

    ProcessContainer(Path images) {
        this.images = images;
    }

    /**
     * Deploys by a context file the container watches: a config/ example with the WAR's and the
     * images' real paths filled in, written whole so the container never reads half of it.
     */
    protected void deployContextFile(String example, Path file) throws Exception {
        String context = Setup.filledExample(example, Map.of(
                "/opt/iip-servlet/iip-servlet.war", Setup.war().toString(),
                "/srv/images/", images + "/"));
        Setup.writeAtomically(file, context.getBytes(StandardCharsets.UTF_8));
    }

    @Override
    public final String webappUrl() {
        return "http://127.0.0.1:" + port + CONTEXT_PATH;
    }

    @Override
    public final ContainerProcess process() {
        return process;
    }

    @Override
    public void close() throws Exception {
        if (process != null) {
            process.close();
        }
    }
}
