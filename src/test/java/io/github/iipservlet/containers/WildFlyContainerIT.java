package io.github.iipservlet.containers;

import java.io.IOException;

/** The WAR's deployment cycle in WildFly with access rules (see {@link AccessDeploymentCycle}). */
class WildFlyContainerIT extends AccessDeploymentCycle {
    @Override
    Container container() throws IOException {
        return new WildFlyContainer(ServedAccess.images());
    }
}
