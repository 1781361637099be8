package io.github.iipservlet.image;

/**
 * One image file or object as its source last saw it: what {@link ImageSource#find} gives and
 * {@link ImageSource#open} reads.
 *
 * @param name         the name relative to the source's root (identifier plus FILESYSTEM_SUFFIX, and
 *                     for a local prefix that ends in a file-name start, that start too), '/'-separated:
 *                     the same on every server that serves the same folder or bucket
 * @param size         its length in bytes
 * @param lastModified its modification time in milliseconds (0 when the source gives none)
 * @param version      what changes when the object is replaced: the ETag of a remote object, the size
 *                     and modification time of a file; part of every cache key (docs/architecture.md 2.7)
 * @param locator      the source's own handle (a local {@code Path}, a URL, a key), never shown to a client
 * @param head         the first bytes when the source read them while finding the object, else null
 */
public record StoredObject(String name, long size, long lastModified, String version, Object locator, byte[] head) {

    /** The same object without its first bytes: what is kept once its reader is open. */
    public StoredObject withoutHead() {
        return head == null ? this : new StoredObject(name, size, lastModified, version, locator, null);
    }

    /** The cache identity: the same object on every server of a fleet gives the same string. */
    public String identity() {
        return name + "@" + version;
    }
}
