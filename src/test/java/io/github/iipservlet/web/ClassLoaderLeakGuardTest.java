package io.github.iipservlet.web;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.lang.ref.WeakReference;
import java.net.URL;
import java.net.URLClassLoader;
import org.junit.jupiter.api.Test;

/**
 * What ClassLoaderLeakGuard undoes at stop, in one JVM without a container: a record of a class
 * loader of its own, compared, hashed and printed, is kept by the JDK's ObjectMethods after its
 * loader is dropped (JDK 17: JDK-8078641), and collected once the guard has stopped.
 */
class ClassLoaderLeakGuardTest {
    /** Loaded again by a loader of its own: its equals, hashCode and toString are linked for that copy. */
    record Pair(String name, int value) {
    }

    @Test
    void theJdkForgetsARecordOfAStoppedWebapp() throws Exception {
        assumeTrue(Runtime.version().feature() == 17,
                "JDK 18 and later keep another loader's record types only softly (JDK-8078641)");
        WeakReference<ClassLoader> loader = useRecordInOwnLoader();
        collect(loader);
        assumeTrue(loader.get() != null, "this JDK 17 keeps no record type (JDK-8078641 backported): nothing to undo");
        new ClassLoaderLeakGuard().contextDestroyed(null);
        collect(loader);
        assertNull(loader.get(), "the loader of a record linked last is still reachable after the guard stopped");
    }

    private static WeakReference<ClassLoader> useRecordInOwnLoader() throws Exception {
        URL classes = Pair.class.getProtectionDomain().getCodeSource().getLocation();
        URLClassLoader own = new URLClassLoader(new URL[] {classes}, ClassLoader.getPlatformClassLoader());
        Class<?> type = own.loadClass(Pair.class.getName());
        assertEquals(own, type.getClassLoader());
        // Package-private, and of another runtime package than this test's.
        java.lang.reflect.Constructor<?> make = type.getDeclaredConstructor(String.class, int.class);
        make.setAccessible(true);
        Object a = make.newInstance("a", 1);
        Object b = make.newInstance("a", 1);
        assertEquals(a, b);
        assertEquals(a.hashCode(), b.hashCode());
        assertEquals("Pair[name=a, value=1]", a.toString());
        own.close();
        return new WeakReference<>(own);
    }

    private static void collect(WeakReference<?> ref) throws InterruptedException {
        for (int i = 0; i < 10 && ref.get() != null; i++) {
            System.gc();
            Thread.sleep(50);
        }
    }
}
