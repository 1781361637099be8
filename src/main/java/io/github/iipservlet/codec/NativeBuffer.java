package io.github.iipservlet.codec;

import com.kenai.jffi.MemoryIO;
import java.nio.ByteBuffer;
import java.util.concurrent.atomic.AtomicLong;
import jnr.ffi.Pointer;
import jnr.ffi.Runtime;

/**
 * Native memory that grows on demand, owned by one pooled codec context or image at a time,
 * visible both to native code (a {@link Pointer}) and to Java (a direct {@link ByteBuffer}, for
 * work such as TIFF predictors done between two native calls). Data is copied in and out rather
 * than passing pinned Java arrays: pinning uses JNI critical sections, which make the garbage
 * collector wait (G1's "GCLocker"), and under concurrent requests that serialised the request
 * threads (measured: two concurrent region requests reached 1.3x one, not 1.8x).
 *
 * <p>The memory is malloc'd and freed explicitly ({@link #free}), not left to the garbage
 * collector as {@code ByteBuffer.allocateDirect} memory is: the collector runs for heap pressure,
 * not for native memory, so a large buffer let go stayed resident until some unrelated
 * collection (a probe with damaged files saw 792 MB of direct memory stay pinned). Only its owner
 * uses it, and never after {@link #free}, which its pool calls once.
 */
final class NativeBuffer {
    /** Pooled buffers keep at most this much memory between uses: enough for any tile and most regions. */
    static final long POOLED_BYTES = 8L << 20;
    private static final int MIN_BYTES = 64 * 1024;
    private static final MemoryIO MEMORY = MemoryIO.getInstance();

    private final Runtime runtime;
    /** The owner's count of native memory allocated, kept up to date here. */
    private final Tally tally;
    private long address;
    private int capacity;
    private ByteBuffer view;
    private Pointer pointer;

    /** Native memory allocated by the buffers of one owner: bytes, and buffers holding some. */
    static final class Tally {
        final AtomicLong bytes = new AtomicLong();
        final AtomicLong buffers = new AtomicLong();
    }

    NativeBuffer(Runtime runtime, Tally tally) {
        this.runtime = runtime;
        this.tally = tally;
    }

    /** At least {@code bytes} of native memory; previous contents are not kept. */
    Pointer reserve(long bytes) {
        if (pointer == null || capacity < bytes) {
            if (bytes > Integer.MAX_VALUE) {
                throw new IllegalArgumentException("native buffer of " + bytes + " bytes");
            }
            free();
            int size = (int) Math.max(bytes, MIN_BYTES);
            long a = MEMORY.allocateMemory(size, false);
            if (a == 0) {
                throw new OutOfMemoryError("native buffer of " + size + " bytes");
            }
            address = a;
            capacity = size;
            tally.bytes.addAndGet(size);
            tally.buffers.incrementAndGet();
            view = MEMORY.newDirectByteBuffer(a, size);
            pointer = Pointer.wrap(runtime, a, size);
        }
        return pointer;
    }

    /** Frees the memory when it is larger than {@code keepBytes}: a pool keeps no exceptional render's memory. */
    void trim(long keepBytes) {
        if (capacity > keepBytes) {
            free();
        }
    }

    /** Frees the memory (idempotent); the buffer can reserve again afterwards. */
    void free() {
        if (address != 0) {
            view = null;
            pointer = null;
            MEMORY.freeMemory(address);
            tally.bytes.addAndGet(-capacity);
            tally.buffers.decrementAndGet();
            address = 0;
            capacity = 0;
        }
    }

    long capacity() {
        return capacity;
    }

    /** The Java view of the memory last reserved (absolute indexing; position and limit unused). */
    ByteBuffer view() {
        if (view == null) {
            throw new IllegalStateException("native buffer not reserved");
        }
        return view;
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
