package io.github.iipservlet.image.remote;

import io.github.iipservlet.image.ImageSource;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

/**
 * The requests one kind of remote store answers (an S3 bucket, a web server), with names
 * relative to the configured prefix. Statuses are HTTP's; {@link RemoteSource} decides what each
 * means, so both stores fail the same way. Transport failures (timeouts, refused connections) are
 * {@code IOException}s.
 */
interface Store extends AutoCloseable {

    /**
     * What a request answered: the status, the object's total size, its ETag (null when none) and
     * modification time (0 when none), and the body (null for HEAD and downloads).
     */
    record Reply(int status, long size, String etag, long lastModified, byte[] body) {
    }

    /** The prefix, for logs: no credentials. */
    String describe();

    /**
     * Bytes {@code first} to {@code last} (inclusive) of an object.
     *
     * @param ifMatch the ETag the object must still have (412 otherwise), or null
     */
    Reply get(String name, long first, long last, String ifMatch) throws IOException;

    /** The object's size and version; 304 when its ETag is still {@code ifNoneMatch} (may be null). */
    Reply head(String name, String ifNoneMatch) throws IOException;

    /** The whole object into a file (which it replaces); the reply has no body. */
    Reply download(String name, String ifMatch, Path to) throws IOException;

    boolean canList();

    /**
     * The sub-folders (names ending in '/') and objects directly in a folder ("" or ending in '/').
     * An empty list for a folder that does not exist: object stores have no folders of their own.
     */
    List<ImageSource.Listed> list(String folder) throws IOException;

    @Override
    void close();
}
