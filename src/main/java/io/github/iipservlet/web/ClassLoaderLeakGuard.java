package io.github.iipservlet.web;

import jakarta.servlet.ServletContextEvent;
import jakarta.servlet.ServletContextListener;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandleProxies;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.lang.reflect.Field;
import java.lang.runtime.ObjectMethods;
import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.ForkJoinTask;
import java.util.concurrent.TimeUnit;
import javax.imageio.ImageIO;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

/**
 * Keeps JVM-wide objects from holding this webapp's class loader after an undeploy, so the
 * container can collect it (proven by -Pcontainers, which requires all of the WAR's classes to be
 * unloaded after each undeploy). Must be the first listener: it starts first and stops last.
 *
 * <ul>
 * <li>At start, makes the JVM's AWT AppContext, which ImageIO keeps its registry and cache
 * settings in, and the registry itself, away from this webapp. Both are made once per JVM, by the
 * first ImageIO call: the AppContext keeps the context class loader of the thread that made it,
 * and the registry keeps, for each of the JDK's own plugins, the access-control context of that
 * call, which holds the protection domain, so the class loader, of every class on the stack. If
 * that first call came from this webapp, its class loader could never be collected (both seen in
 * heap dumps of Tomcat after an undeploy). When a container or another webapp made them first,
 * this changes nothing.
 * <li>At stop, runs the one cleaning action jffi (under jnr-ffi: libdeflate, libturbojpeg,
 * libopenjp2) ever registers. jffi 1.3.13 registers only the first native resource it makes with a
 * java.lang.ref.Cleaner of its own and keeps that registration in a static field (a bug: later
 * registrations get a handle to the first one's instead); the resource
 * lives as long as jffi's classes, and the Cleaner's thread holds the action, an object of a jffi
 * class, so jffi's classes, and the class loader with them, would live for ever. Only done when
 * jffi came with this WAR: in a container's shared folder it belongs to every webapp.
 * <li>At stop, makes JDK 17 forget this webapp's records. The JDK links every record's equals,
 * hashCode and toString with java.lang.runtime.ObjectMethods, which adapts a few method handles
 * of its own (static, so JVM-wide) to each record's types, and MethodHandle.asType keeps the last
 * adaptation of a handle in a strong cache (JDK-8078641, fixed in JDK 18, where such a cache holds
 * another loader's types only softly). So the last record of this webapp to be compared, hashed or
 * printed kept its class, and the class loader, until another record of the JVM came along (seen
 * in heap dumps of Tomcat after an undeploy: RangeCache.Key of an S3 source, through
 * ObjectMethods.OBJECT_EQ). Linking the three methods once more for JDK types replaces those
 * adaptations.
 * </ul>
 */
public class ClassLoaderLeakGuard implements ServletContextListener {
    private static final Logger LOG = LogManager.getLogger(ClassLoaderLeakGuard.class);
    private static final String JFFI_CLEANER = "com.kenai.jffi.internal.Cleaner";
    private static final long FIRST_CALL_WAIT_NANOS = TimeUnit.SECONDS.toNanos(10);

    @Override
    public void contextInitialized(ServletContextEvent event) {
        Thread thread = Thread.currentThread();
        ClassLoader webapp = thread.getContextClassLoader();
        thread.setContextClassLoader(ClassLoader.getSystemClassLoader());
        try {
            // ImageIO.getUseCache() reads a setting from the AppContext, creating the AppContext and
            // ImageIO's registry if there are none. As a Runnable made by the JDK (a proxy defined in
            // the context loader, here the system one), run by a common-pool thread (made by the JDK
            // with an access-control context of its own), so no class of this webapp is on the stack.
            MethodHandle getUseCache = MethodHandles.publicLookup().findStatic(ImageIO.class, "getUseCache",
                    MethodType.methodType(boolean.class));
            // Polled rather than joined: get() and join() may run a queued task on the caller's thread.
            Runnable firstCall = MethodHandleProxies.asInterfaceInstance(Runnable.class, getUseCache);
            ForkJoinTask<?> task = ForkJoinPool.commonPool().submit(firstCall);
            long deadline = System.nanoTime() + FIRST_CALL_WAIT_NANOS;
            while (!task.isDone() && System.nanoTime() < deadline) {
                Thread.sleep(1);
            }
            if (!task.isDone() || task.isCompletedAbnormally()) {
                LOG.debug("ImageIO's registry was not made by the common pool: made by the webapp's thread");
            }
        } catch (ReflectiveOperationException e) {
            LOG.debug("ImageIO's registry made by the webapp's thread: {}", e.toString());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            // Made by now in any case (a no-op if the task did it).
            ImageIO.getUseCache();
            thread.setContextClassLoader(webapp);
        }
    }

    @Override
    public void contextDestroyed(ServletContextEvent event) {
        releaseJffiCleaner();
        forgetRecordTypes();
    }

    /**
     * Links equals, hashCode and toString as for a record String with one String component: each
     * handle ObjectMethods adapts (OBJECT_EQ to the record's type, Objects.equals, hashCode and
     * toString to its components' types) is adapted to JDK types instead, the strong cache's new
     * entry. The methods made are dropped.
     */
    static void forgetRecordTypes() {
        MethodHandles.Lookup lookup = MethodHandles.lookup();
        MethodHandle component = MethodHandles.identity(String.class);
        try {
            ObjectMethods.bootstrap(lookup, "equals", MethodType.methodType(boolean.class, String.class, Object.class),
                    String.class, "s", component);
            ObjectMethods.bootstrap(lookup, "hashCode", MethodType.methodType(int.class, String.class), String.class,
                    "s", component);
            ObjectMethods.bootstrap(lookup, "toString", MethodType.methodType(String.class, String.class),
                    String.class, "s", component);
        } catch (Throwable e) {
            LOG.warn("could not make the JDK forget the webapp's records (its classes may stay loaded after undeploy):"
                    + " {}", e.toString());
        }
    }

    private static void releaseJffiCleaner() {
        ClassLoader own = ClassLoaderLeakGuard.class.getClassLoader();
        if (own == ClassLoader.getSystemClassLoader()) {
            // Run from the class path (tests, embedded servers): nothing is unloaded, and other
            // servers in this JVM still use jffi.
            return;
        }
        try {
            Class<?> cleaner = Class.forName(JFFI_CLEANER, false, own);
            if (cleaner.getClassLoader() != own) {
                return;
            }
            Field registration = cleaner.getDeclaredField("cleaner");
            registration.setAccessible(true);
            Object cleanable = registration.get(null);
            if (cleanable instanceof java.lang.ref.Cleaner.Cleanable c) {
                c.clean();
            }
        } catch (ClassNotFoundException e) {
            // jffi is not in the WAR: nothing to do.
        } catch (ReflectiveOperationException | RuntimeException e) {
            LOG.warn("could not release jffi's Cleaner (the webapp's classes may stay loaded after undeploy): {}",
                    e.toString());
        }
    }
}
