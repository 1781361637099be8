package io.github.iipservlet.codec;

import jnr.ffi.LibraryLoader;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

/** Loads optional system libraries through JNR-FFI: absent or broken libraries give null, once, logged. */
final class NativeLibraries {
    private static final Logger LOG = LogManager.getLogger(NativeLibraries.class);

    private NativeLibraries() {
    }

    /**
     * @param api      the JNR interface
     * @param name     library name without "lib" and ".so" (versioned files such as libfoo.so.0 are found)
     * @param disabled system property that turns the library off (for tests and diagnosis)
     */
    static <T> T load(Class<T> api, String name, String disabled) {
        if (Boolean.getBoolean(disabled)) {
            LOG.info("lib{} disabled by -D{}", name, disabled);
            return null;
        }
        try {
            T lib = LibraryLoader.create(api).failImmediately().load(name);
            LOG.info("using the system lib{}", name);
            return lib;
        } catch (Throwable e) {
            // UnsatisfiedLinkError, LinkageError from JNR's own stub: fall back to pure Java.
            LOG.info("lib{} not available ({}): using the JDK codec", name, e.getMessage());
            return null;
        }
    }
}
