package io.github.iipservlet.containers;

import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;

/**
 * The deployment cycle ({@link DeploymentCycle}) of a container configured from the config/
 * examples with access rules and users in its own realm: once deployed, and again once
 * redeployed, every caller gets what the rules give them ({@link ServedAccess}).
 */
abstract class AccessDeploymentCycle extends DeploymentCycle {
    @Test
    @Order(11)
    void controlsAccessThroughTheContainersLogin() throws Exception {
        ServedAccess.check(started().webappUrl());
    }

    @Test
    @Order(31)
    void controlsAccessAgainAfterTheRedeploy() throws Exception {
        ServedAccess.check(started().webappUrl());
    }
}
