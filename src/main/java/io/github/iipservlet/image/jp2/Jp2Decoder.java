package io.github.iipservlet.image.jp2;

import io.github.iipservlet.image.ImageException;
import io.github.iipservlet.image.PixelBlock;
import java.nio.file.Path;

/**
 * A JPEG2000 decoding library: OpenJPEG through the system libopenjp2, or the pure-Java JJ2000 as
 * a fallback. One instance per context, chosen at start-up by {@link Jp2Decoders}.
 */
public interface Jp2Decoder extends AutoCloseable {

    /** Name and version for the start-up log and health reports. */
    String name();

    /** Decoding state for one file, shared by the requests that read it. */
    Source open(Path file, Jp2Header header) throws ImageException;

    /** Frees what the decoder keeps between requests. */
    @Override
    void close();

    /** One file as the decoder sees it. Thread-safe. */
    interface Source extends AutoCloseable {
        /**
         * Decodes a rectangle of one resolution level into 8-bit (1-8 bit components) or 16-bit
         * (9-16 bit) samples, channel-interleaved.
         *
         * @param reduce resolution level, 0 = full, each one halving
         * @param layers iipsrv's layer value: negative all, 0 the default (half), n that many
         * @param x      left, in that level's pixels
         * @throws ImageException CORRUPT when the codestream cannot be decoded
         */
        PixelBlock decode(int reduce, int layers, int x, int y, int width, int height) throws ImageException;

        @Override
        void close();
    }
}
