package io.github.iipservlet.encode;

import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.reflect.Method;

/**
 * libwebp's encoder as {@code com.github.usefulness:webp-imageio} 0.11.0 bundles it (its JNI
 * library), called one level below that library's ImageIO writer, which cannot be used here: it
 * makes a WebPEncoderOptions for every image and registers it with a java.lang.ref.Cleaner as its
 * own cleaning action, so the action is always reachable and never runs. Measured: 200,000 encodes
 * left 200,000 option objects on the heap and 117 MB more resident memory (their native
 * WebPConfig), and the Cleaner's thread kept the webapp's class loader after an undeploy.
 *
 * <p>Here each encode makes its own native WebPConfig with the library's JNI functions and frees
 * it (a few microseconds against 1.7 ms for a 256x256 tile), so nothing outlives the request and
 * nothing is shared between threads. The functions are private to the jar and reached by
 * reflection; the jar's version is pinned in the pom, and a missing function makes WebP output
 * unavailable (checked at start-up by {@link WebpEncoder#isAvailable()}), never a failed request.
 */
final class LibWebp {
    private static final String OPTIONS = "com.luciad.imageio.webp.WebPEncoderOptions";
    private static final String WRAPPER = "com.luciad.imageio.webp.WebPWrapper";
    private static final String NATIVES = "com.luciad.imageio.webp.WebP";

    private static final MethodHandle CREATE_CONFIG;
    private static final MethodHandle DELETE_CONFIG;
    private static final MethodHandle SET_LOSSLESS;
    private static final MethodHandle SET_QUALITY;
    private static final MethodHandle SET_METHOD;
    private static final MethodHandle ENCODE_RGB;
    private static final MethodHandle ENCODE_RGBA;

    static {
        try {
            ClassLoader loader = LibWebp.class.getClassLoader();
            // Extracts and loads the bundled libwebp-imageio (a file named by a fresh UUID, so a
            // redeployed webapp loads its own copy).
            Class.forName(WRAPPER, true, loader).getMethod("loadNativeLibrary").invoke(null);
            Class<?> options = Class.forName(OPTIONS, true, loader);
            Class<?> natives = Class.forName(NATIVES, true, loader);
            CREATE_CONFIG = handle(options, "createConfig");
            DELETE_CONFIG = handle(options, "deleteConfig", long.class);
            SET_LOSSLESS = handle(options, "setLossless", long.class, boolean.class);
            SET_QUALITY = handle(options, "setQuality", long.class, float.class);
            SET_METHOD = handle(options, "setMethod", long.class, int.class);
            ENCODE_RGB = handle(natives, "encodeRGB", long.class, byte[].class, int.class, int.class, int.class);
            ENCODE_RGBA = handle(natives, "encodeRGBA", long.class, byte[].class, int.class, int.class, int.class);
        } catch (ReflectiveOperationException | RuntimeException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private LibWebp() {
    }

    private static MethodHandle handle(Class<?> owner, String name, Class<?>... parameters)
            throws ReflectiveOperationException {
        Method m = owner.getDeclaredMethod(name, parameters);
        m.setAccessible(true);
        return MethodHandles.lookup().unreflect(m);
    }

    /**
     * A WebP file (the simple format; VP8X when lossy with alpha) of interleaved 8-bit RGB or RGBA.
     *
     * @param quality 0-100 lossy quality, or negative for lossless
     * @param method  libwebp's speed/size trade-off, 0 (fastest) to 6
     */
    static byte[] encode(byte[] pixels, int width, int height, boolean alpha, int quality, int method) {
        long config;
        try {
            config = (long) CREATE_CONFIG.invokeExact();
        } catch (Throwable e) {
            throw rethrown(e);
        }
        if (config == 0) {
            throw new OutOfMemoryError("libwebp could not allocate an encoder configuration");
        }
        try {
            SET_LOSSLESS.invokeExact(config, quality < 0);
            if (quality >= 0) {
                SET_QUALITY.invokeExact(config, (float) quality);
            }
            SET_METHOD.invokeExact(config, method);
            byte[] out = alpha
                    ? (byte[]) ENCODE_RGBA.invokeExact(config, pixels, width, height, width * 4)
                    : (byte[]) ENCODE_RGB.invokeExact(config, pixels, width, height, width * 3);
            if (out == null || out.length == 0) {
                throw new IllegalStateException("libwebp could not encode a " + width + "x" + height + " image");
            }
            return out;
        } catch (Throwable e) {
            throw rethrown(e);
        } finally {
            try {
                DELETE_CONFIG.invokeExact(config);
            } catch (Throwable e) {
                throw rethrown(e);
            }
        }
    }

    private static RuntimeException rethrown(Throwable e) {
        if (e instanceof RuntimeException r) {
            throw r;
        }
        if (e instanceof Error err) {
            throw err;
        }
        throw new IllegalStateException(e);
    }
}
