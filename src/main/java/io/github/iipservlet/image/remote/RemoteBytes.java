package io.github.iipservlet.image.remote;

import io.github.iipservlet.image.ImageBytes;
import io.github.iipservlet.image.ImageException;
import io.github.iipservlet.image.StoredObject;

/**
 * Positional reads of a remote object: one ranged GET each, unless prefetched. Its first 64 KB,
 * read when it was found, serve only the opening ({@code ImageBytesStream}): they are not kept.
 */
final class RemoteBytes implements ImageBytes {
    private final RemoteSource source;
    private final StoredObject object;

    RemoteBytes(RemoteSource source, StoredObject object) {
        this.source = source;
        this.object = object;
    }

    @Override
    public long size() {
        return object.size();
    }

    @Override
    public void read(long position, byte[] into, int offset, int length) throws ImageException {
        if (length == 0) {
            return;
        }
        if (position < 0 || position + length > object.size()) {
            throw new ImageException(ImageException.Kind.CORRUPT, "Image file is truncated");
        }
        System.arraycopy(source.read(object, position, length), 0, into, offset, length);
    }

    @Override
    public byte[] read(long position, int length) throws ImageException {
        if (length > 0 && position >= 0 && position + length <= object.size()) {
            return source.read(object, position, length);
        }
        return ImageBytes.super.read(position, length);
    }

    @Override
    public void prefetch(long[] positions, int[] lengths) {
        source.prefetch(object, positions, lengths);
    }

    @Override
    public boolean remote() {
        return true;
    }

    @Override
    public void close() {
        // Nothing held: each read is its own request.
    }
}
