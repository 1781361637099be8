package io.github.iipservlet.containers;

import java.io.IOException;

/** The WAR's deployment cycle in Tomcat 10.1 (see {@link DeploymentCycle}). */
class Tomcat10ContainerIT extends DeploymentCycle {
    @Override
    Container container() throws IOException {
        return new TomcatContainer("containers.tomcat10.home", ServedProtocols.images());
    }
}
