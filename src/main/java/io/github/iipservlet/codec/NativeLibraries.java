package io.github.iipservlet.codec;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
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

    /**
     * The file a loaded library was mapped from, by name and the start of its content's SHA-256
     * ({@code libturbojpeg.so.0.2.0 sha256:0123456789ab}), read from /proc/self/maps; null when
     * that cannot be read (not Linux) or no such library is mapped. libjpeg-turbo and libdeflate
     * have no call that tells their version, and their file names carry only the ABI (Debian's
     * libdeflate is libdeflate.so.0 whatever its version), so the content stands for the version.
     *
     * @param name library name without "lib" and ".so", as for {@link #load}
     */
    static String mappedFile(String name) {
        String prefix = "lib" + name + ".so";
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/maps"))) {
                int slash = line.indexOf('/');
                Path file = slash < 0 ? null : Path.of(line.substring(slash));
                if (file != null && file.getFileName().toString().startsWith(prefix)) {
                    return file.getFileName() + " sha256:" + digest(file);
                }
            }
        } catch (IOException | RuntimeException e) {
            LOG.debug("cannot tell which lib{} is mapped: {}", name, e.toString());
        }
        return null;
    }

    /** The first 12 hex digits of a file's SHA-256, or "unreadable" (a library replaced since it was loaded). */
    private static String digest(Path file) {
        try (DigestInputStream in = new DigestInputStream(Files.newInputStream(file),
                MessageDigest.getInstance("SHA-256"))) {
            in.transferTo(OutputStream.nullOutputStream());
            return HexFormat.of().formatHex(in.getMessageDigest().digest()).substring(0, 12);
        } catch (IOException e) {
            return "unreadable";
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
