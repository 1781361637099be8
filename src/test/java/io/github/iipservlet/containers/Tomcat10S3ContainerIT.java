package io.github.iipservlet.containers;

/** The WAR's deployment cycle in Tomcat 10.1 serving an S3 bucket (see {@link S3DeploymentCycle}). */
class Tomcat10S3ContainerIT extends S3DeploymentCycle {
    @Override
    String tomcatHomeProperty() {
        return "containers.tomcat10.home";
    }
}
