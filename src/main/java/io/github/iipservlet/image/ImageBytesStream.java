package io.github.iipservlet.image;

import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.Map;
import javax.imageio.stream.ImageInputStreamImpl;

/**
 * An ImageIO stream over {@link ImageBytes}, for parsers that read through one (TwelveMonkeys'
 * TIFF directory reader). It reads in blocks of 64 KB and keeps the last few, so parsing a remote
 * file's directories costs one ranged request per block it touches, not one per field
 * (docs/operations.md "Object storage"). One thread, one parse: not shared.
 */
public final class ImageBytesStream extends ImageInputStreamImpl {
    /** Blocks read at once; a directory and its tile offsets usually lie in one. */
    public static final int BLOCK = 64 * 1024;
    private static final int KEPT_BLOCKS = 64;

    /** An {@link ImageException} passed through ImageIO's {@code IOException}s; unwrap with {@link #cause}. */
    public static final class Failure extends IOException {
        public final ImageException image;

        Failure(ImageException image) {
            super(image.getMessage(), image);
            this.image = image;
        }
    }

    private final ImageBytes bytes;
    private final long length;
    private final Map<Long, byte[]> blocks = new LinkedHashMap<>(16, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<Long, byte[]> eldest) {
            return size() > KEPT_BLOCKS;
        }
    };

    /** @param head the object's first bytes when already read (a remote find reads them), else null */
    public ImageBytesStream(ImageBytes bytes, byte[] head) {
        this.bytes = bytes;
        this.length = bytes.size();
        if (head != null && (head.length == BLOCK || head.length == length)) {
            blocks.put(0L, head);
        }
    }

    /** The {@link ImageException} behind an exception this stream threw, or null. */
    public static ImageException cause(Throwable t) {
        for (Throwable c = t; c != null; c = c.getCause()) {
            if (c instanceof Failure f) {
                return f.image;
            }
        }
        return null;
    }

    @Override
    public long length() {
        return length;
    }

    private byte[] block(long index) throws IOException {
        byte[] b = blocks.get(index);
        if (b == null) {
            long start = index * BLOCK;
            int n = (int) Math.min(BLOCK, length - start);
            try {
                b = bytes.read(start, n);
            } catch (ImageException e) {
                throw new Failure(e);
            }
            blocks.put(index, b);
        }
        return b;
    }

    @Override
    public int read() throws IOException {
        checkClosed();
        bitOffset = 0;
        if (streamPos >= length) {
            return -1;
        }
        byte[] b = block(streamPos / BLOCK);
        return b[(int) (streamPos++ % BLOCK)] & 0xff;
    }

    @Override
    public int read(byte[] into, int offset, int len) throws IOException {
        checkClosed();
        bitOffset = 0;
        if (len == 0) {
            return 0;
        }
        if (streamPos >= length) {
            return -1;
        }
        int done = 0;
        while (done < len && streamPos < length) {
            byte[] b = block(streamPos / BLOCK);
            int at = (int) (streamPos % BLOCK);
            int n = Math.min(len - done, b.length - at);
            System.arraycopy(b, at, into, offset + done, n);
            done += n;
            streamPos += n;
        }
        return done;
    }
}
