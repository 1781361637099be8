package io.github.iipservlet.containers;

import java.io.IOException;

/** The WAR's deployment cycle in Jetty 12 (ee10) with access rules (see {@link AccessDeploymentCycle}). */
class JettyContainerIT extends AccessDeploymentCycle {
    @Override
    Container container() throws IOException {
        return new JettyContainer(ServedAccess.images());
    }
}
