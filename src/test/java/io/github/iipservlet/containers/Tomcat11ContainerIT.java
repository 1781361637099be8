package io.github.iipservlet.containers;

import java.io.IOException;

/** The WAR's deployment cycle in Tomcat 11 with access rules (see {@link AccessDeploymentCycle}). */
class Tomcat11ContainerIT extends AccessDeploymentCycle {
    @Override
    Container container() throws IOException {
        return new TomcatContainer("containers.tomcat11.home", ServedAccess.images());
    }
}
