package io.github.iipservlet.web;

import jakarta.servlet.ServletContextEvent;
import jakarta.servlet.ServletContextListener;
import javax.imageio.ImageIO;

/**
 * Creates the JVM's AWT AppContext, which ImageIO keeps its registry and cache settings in, with
 * the system class loader as the thread's context loader. The AppContext is created once per JVM,
 * by the first ImageIO call, and keeps the context loader of the thread that made it: if that is
 * this webapp's starting thread, the webapp's class loader can never be collected after an
 * undeploy (seen in a heap dump of Tomcat after an undeploy, -Pcontainers). When a
 * container or another webapp made it first, this changes nothing. Must be the first listener.
 */
public class AppContextLeakGuard implements ServletContextListener {
    @Override
    public void contextInitialized(ServletContextEvent event) {
        Thread thread = Thread.currentThread();
        ClassLoader webapp = thread.getContextClassLoader();
        thread.setContextClassLoader(ClassLoader.getSystemClassLoader());
        try {
            // Reads the cache setting from the AppContext, creating it if there is none.
            ImageIO.getUseCache();
        } finally {
            thread.setContextClassLoader(webapp);
        }
    }
}
