package io.github.iipservlet.containers;

import java.io.IOException;

/** The WAR's deployment cycle in Tomcat 10.1 with access rules (see {@link AccessDeploymentCycle}). */
class Tomcat10ContainerIT extends AccessDeploymentCycle {
    @Override
    Container container() throws IOException {
        return new TomcatContainer("containers.tomcat10.home", ServedAccess.images());
    }
}
