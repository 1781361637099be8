package io.github.iipservlet.image.jp2;

import io.github.iipservlet.image.ImageException;
import io.github.iipservlet.image.ImageSource;
import io.github.iipservlet.image.PixelBlock;

/**
 * A JPEG2000 file's decoding state made on its first decode: the local file (for a remote image,
 * its copy in the disk cache, fetched then) and the decoder's state for it. Until then the file
 * is not needed: the image is described from its header (docs/decisions.md Decision 34). A failure
 * to make it is not kept: the next decode tries again.
 */
public final class LazySource implements Jp2Decoder.Source {
    /** Gives the file the decoder reads; {@code ImageSource.localFile} in production. */
    @FunctionalInterface
    public interface FileOpener {
        ImageSource.LocalFile open() throws ImageException;
    }

    private final FileOpener files;
    private final Jp2Decoder decoder;
    private final Jp2Header header;
    private ImageSource.LocalFile file;
    private volatile Jp2Decoder.Source source;
    private boolean closed;

    public LazySource(FileOpener files, Jp2Decoder decoder, Jp2Header header) {
        this.files = files;
        this.decoder = decoder;
        this.header = header;
    }

    private Jp2Decoder.Source source() throws ImageException {
        Jp2Decoder.Source s = source;
        if (s != null) {
            return s;
        }
        synchronized (this) {
            if (closed) {
                throw new ImageException(ImageException.Kind.UNAVAILABLE, "Image closed, retry");
            }
            if (source == null) {
                ImageSource.LocalFile f = files.open();
                try {
                    source = decoder.open(f.path(), header);
                    file = f;
                } finally {
                    if (file == null) {
                        f.close();
                    }
                }
            }
            return source;
        }
    }

    @Override
    public PixelBlock decode(int reduce, int layers, int x, int y, int width, int height) throws ImageException {
        return source().decode(reduce, layers, x, y, width, height);
    }

    @Override
    public synchronized void close() {
        closed = true;
        if (source != null) {
            source.close();
            source = null;
        }
        if (file != null) {
            file.close();
            file = null;
        }
    }
}
