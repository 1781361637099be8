package io.github.iipservlet.containers;

import java.io.IOException;

/** The WAR's deployment cycle in Jetty 12 (ee10) (see {@link DeploymentCycle}). */
class JettyContainerIT extends DeploymentCycle {
    @Override
    Container container() throws IOException {
        return new JettyContainer(ServedProtocols.images());
    }
}
