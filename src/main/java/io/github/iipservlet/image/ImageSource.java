package io.github.iipservlet.image;

import java.nio.file.Path;
import java.util.List;

/**
 * Where images are kept (docs/architecture.md 2.7): a local folder ({@link FileSource}), an S3 bucket
 * or a web server ({@code image.remote}). Names given to a source are relative to its root
 * (identifier plus FILESYSTEM_SUFFIX) and already passed {@link ImagePaths#isSafeIdentifier}; the
 * source adds its prefix, so no request chooses what the server reads beyond the root.
 */
public interface ImageSource extends AutoCloseable {

    /** What FILESYSTEM_PREFIX names, for logs: no credentials. */
    String describe();

    /**
     * The object a name refers to, or null when there is none (also for names the source's own
     * rules refuse: a symbolic link out of the folder, a dot-file).
     *
     * @throws ImageException UNAVAILABLE when the store does not answer
     */
    StoredObject find(String name) throws ImageException;

    /**
     * How long a found object may be used without asking the source again, in milliseconds: 0 for
     * a local file (asked on every request, cheaply), REMOTE_METADATA_TTL for a remote one.
     */
    long revalidateAfterMillis();

    /**
     * The object again, asking the store as cheaply as it can whether it changed since
     * {@code known} (a conditional request): {@code known} itself when it did not, null when it has
     * gone.
     */
    default StoredObject revalidate(StoredObject known) throws ImageException {
        StoredObject now = find(known.name());
        return now != null && now.version().equals(known.version()) ? known : now;
    }

    /**
     * True when a read found that the object changed since it was found (a remote object replaced
     * within REMOTE_METADATA_TTL): it is then checked on its next use instead of at the period's end.
     */
    default boolean stale(StoredObject object) {
        return false;
    }

    /** Positional reads of an object {@link #find} gave. */
    ImageBytes open(StoredObject object) throws ImageException;

    /**
     * The object as a local file, for decoders that read files by name (OpenJPEG): the file itself
     * for a local source, a copy in the remote disk cache otherwise. Close the handle when the
     * reader is done: a cached copy is not removed while a handle is open.
     */
    LocalFile localFile(StoredObject object) throws ImageException;

    /** A local file and what to do when it is no longer read. */
    interface LocalFile extends AutoCloseable {
        Path path();

        @Override
        void close();
    }

    /** True when {@link #list} works here (a web server cannot be listed). */
    boolean canList();

    /**
     * What a folder holds: its sub-folders (names ending in '/') and the objects in it, names
     * relative to the root, each starting with {@code folder} (which is "" or ends in '/').
     *
     * @throws ImageException NOT_FOUND when the folder is missing or refused, UNSUPPORTED when this
     *                        source cannot list, UNAVAILABLE when the store does not answer
     */
    List<Listed> list(String folder) throws ImageException;

    /**
     * One entry of a listing: a folder (size -1) or an object. {@code label} is its own name in
     * its folder as stored (with the file-name start a local prefix may end in).
     */
    record Listed(String name, String label, boolean folder, long size) {
    }

    /**
     * What /health shows of the source: its kind ("file", "s3", "http"), the requests made to a
     * remote store (ranged GETs, HEADs, failures) and whether it answered the last one.
     */
    record Stats(String kind, long gets, long heads, long failures, boolean reachable) {
    }

    default Stats stats() {
        return new Stats("file", 0, 0, 0, true);
    }

    /** Forgets what the source keeps about objects and folders (with the image store's flush). */
    default void flush() {
    }

    @Override
    void close();
}
