package io.github.iipservlet.codec;

import java.nio.ByteBuffer;
import jnr.ffi.Pointer;
import jnr.ffi.Runtime;

/**
 * Native memory that grows on demand, owned by one pooled codec context or image at a time,
 * visible both to native code (a {@link Pointer}) and to Java (a direct {@link ByteBuffer}, for
 * work such as TIFF predictors done between two native calls). Data is copied in and out rather
 * than passing pinned Java arrays: pinning uses JNI critical sections, which make the garbage
 * collector wait (G1's "GCLocker"), and under concurrent requests that serialised the request
 * threads (measured: two concurrent region requests reached 1.3x one, not 1.8x).
 */
final class NativeBuffer {
    /** Pooled buffers keep at most this much memory between uses: enough for any tile and most regions. */
    static final long POOLED_BYTES = 8L << 20;
    private final Runtime runtime;
    private ByteBuffer direct;
    private Pointer memory;

    NativeBuffer(Runtime runtime) {
        this.runtime = runtime;
    }

    /** At least {@code bytes} of native memory; previous contents are not kept. */
    Pointer reserve(long bytes) {
        if (memory == null || direct.capacity() < bytes) {
            if (bytes > Integer.MAX_VALUE) {
                throw new IllegalArgumentException("native buffer of " + bytes + " bytes");
            }
            direct = ByteBuffer.allocateDirect((int) Math.max(bytes, 64 * 1024));
            memory = Pointer.wrap(runtime, direct);
        }
        return memory;
    }

    /**
     * Lets go of the memory when it is larger than {@code keepBytes}, so a pool does not hold on
     * to what one exceptional render needed (it is freed with its buffer by the garbage collector).
     */
    void trim(long keepBytes) {
        if (direct != null && direct.capacity() > keepBytes) {
            direct = null;
            memory = null;
        }
    }

    /** The Java view of the memory last reserved (absolute indexing; position and limit unused). */
    ByteBuffer view() {
        return direct;
    }

    /** Copies {@code prefix} and then {@code data[from..]} in, back to back, and returns the memory. */
    Pointer copyIn(byte[] prefix, byte[] data, int from) {
        int rest = data.length - from;
        Pointer p = reserve((long) prefix.length + rest);
        p.put(0, prefix, 0, prefix.length);
        p.put(prefix.length, data, from, rest);
        return p;
    }

    /** Copies {@code data} in and returns the memory holding it. */
    Pointer copyIn(byte[] data) {
        Pointer p = reserve(data.length);
        p.put(0, data, 0, data.length);
        return p;
    }
}
