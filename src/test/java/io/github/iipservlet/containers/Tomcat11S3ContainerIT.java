package io.github.iipservlet.containers;

/** The WAR's deployment cycle in Tomcat 11 serving an S3 bucket (see {@link S3DeploymentCycle}). */
class Tomcat11S3ContainerIT extends S3DeploymentCycle {
    @Override
    String tomcatHomeProperty() {
        return "containers.tomcat11.home";
    }
}
