package io.github.iipservlet.containers;

import java.io.IOException;

/** The WAR's deployment cycle in Tomcat 11 (see {@link DeploymentCycle}). */
class Tomcat11ContainerIT extends DeploymentCycle {
    @Override
    Container container() throws IOException {
        return new TomcatContainer("containers.tomcat11.home", ServedProtocols.images());
    }
}
