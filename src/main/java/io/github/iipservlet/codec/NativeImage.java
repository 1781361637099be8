package io.github.iipservlet.codec;

import java.nio.ByteBuffer;
import java.util.concurrent.ConcurrentLinkedQueue;
import jnr.ffi.Pointer;
import jnr.ffi.Runtime;

/**
 * An 8-bit interleaved image in native memory, for renders where pixels go from a native decoder
 * (libjpeg-turbo, libdeflate) to libjpeg-turbo's encoder untouched: no Java array to zero, fill,
 * copy and collect (measured on 512x512 regions: those were about 12% of the server's CPU, as
 * zeroing, copies and GC). Pooled: {@link #close} gives the memory back.
 */
public final class NativeImage implements AutoCloseable {
    private static final ConcurrentLinkedQueue<NativeBuffer> POOL = new ConcurrentLinkedQueue<>();

    public final int width;
    public final int height;
    public final int channels;
    private final NativeBuffer buffer;
    final Pointer pointer;

    private NativeImage(int width, int height, int channels, NativeBuffer buffer) {
        this.width = width;
        this.height = height;
        this.channels = channels;
        this.buffer = buffer;
        this.pointer = buffer.reserve((long) width * height * channels);
    }

    /** A pooled image of undefined content. */
    public static NativeImage allocate(int width, int height, int channels) {
        NativeBuffer b = POOL.poll();
        return new NativeImage(width, height, channels, b != null ? b : new NativeBuffer(Runtime.getSystemRuntime()));
    }

    public int byteCount() {
        return width * height * channels;
    }

    /** The pixels for Java code, row-major, {@code width * channels} bytes a row, absolute indexing. */
    public ByteBuffer pixels() {
        return buffer.view();
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

    @Override
    public void close() {
        buffer.trim(NativeBuffer.POOLED_BYTES);
        POOL.offer(buffer);
    }
}
