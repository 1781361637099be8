package io.github.iipservlet.containers;

import java.io.IOException;

/** The WAR's deployment cycle in WildFly (see {@link DeploymentCycle}). */
class WildFlyContainerIT extends DeploymentCycle {
    @Override
    Container container() throws IOException {
        return new WildFlyContainer(ServedProtocols.images());
    }
}
