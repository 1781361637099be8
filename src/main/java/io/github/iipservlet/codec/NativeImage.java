package io.github.iipservlet.codec;

import java.nio.ByteBuffer;
import jnr.ffi.Pointer;

/**
 * An 8-bit interleaved image in native memory, for renders where pixels go from a native decoder
 * (libjpeg-turbo, libdeflate) to libjpeg-turbo's encoder untouched: no Java array to zero, fill,
 * copy and collect (measured on 512x512 regions: those were about 12% of the server's CPU, as
 * zeroing, copies and GC). Its memory comes from the context's {@link NativeCodecs} and goes back
 * there on {@link #close}, which may be called any number of times: only the first returns it.
 */
public final class NativeImage implements AutoCloseable {
    public final int width;
    public final int height;
    public final int channels;
    private final ResourcePool<NativeBuffer> pool;
    private NativeBuffer buffer;
    private final Pointer pointer;

    NativeImage(int width, int height, int channels, ResourcePool<NativeBuffer> pool) {
        if (width <= 0 || height <= 0 || channels <= 0 || (long) width * height * channels > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("native image of " + width + "x" + height + "x" + channels);
        }
        this.width = width;
        this.height = height;
        this.channels = channels;
        this.pool = pool;
        NativeBuffer b = pool.take();
        try {
            this.pointer = b.reserve((long) width * height * channels);
        } catch (RuntimeException | Error e) {
            pool.discard(b);
            throw e;
        }
        this.buffer = b;
    }

    public int byteCount() {
        return width * height * channels;
    }

    /** The memory, for native calls; only while the image is open. */
    Pointer pointer() {
        buffer();
        return pointer;
    }

    private NativeBuffer buffer() {
        NativeBuffer b = buffer;
        if (b == null) {
            throw new IllegalStateException("native image used after close");
        }
        return b;
    }

    /** The pixels for Java code, row-major, {@code width * channels} bytes a row, absolute indexing. */
    public ByteBuffer pixels() {
        return buffer().view();
    }

    /**
     * Copies rows from {@code src} (pitch {@code srcPitch} bytes, rectangle at byte {@code srcStart})
     * to (dx, dy) of this image. Bulk buffer copies: one JNI call a row (Pointer.transferTo) cost
     * more than the decoding of a small tile.
     */
    void copyRows(ByteBuffer src, int srcStart, int srcPitch, int rowBytes, int rows, int dx, int dy) {
        ByteBuffer dst = pixels();
        int dstPitch = width * channels;
        int to = dy * dstPitch + dx * channels;
        for (int row = 0; row < rows; row++) {
            dst.put(to + row * dstPitch, src, srcStart + row * srcPitch, rowBytes);
        }
    }

    /** As {@link #copyRows(ByteBuffer, int, int, int, int, int, int)} from a Java array. */
    public void copyRows(byte[] src, int srcStart, int srcPitch, int rowBytes, int rows, int dx, int dy) {
        ByteBuffer dst = pixels();
        int dstPitch = width * channels;
        int to = dy * dstPitch + dx * channels;
        for (int row = 0; row < rows; row++) {
            dst.put(to + row * dstPitch, src, srcStart + row * srcPitch, rowBytes);
        }
    }

    /** Copies the rectangle (sx, sy, w, h) of this image to (dx, dy) of {@code dst}. */
    public void copyTo(int sx, int sy, int w, int h, NativeImage dst, int dx, int dy) {
        int pitch = width * channels;
        dst.copyRows(pixels(), sy * pitch + sx * channels, pitch, w * channels, h, dx, dy);
    }

    /** Gives the memory back to the context's pool; later calls do nothing. */
    @Override
    public void close() {
        NativeBuffer b;
        synchronized (this) {
            b = buffer;
            buffer = null;
        }
        if (b != null) {
            pool.give(b);
        }
    }
}
