package io.github.iipservlet.image;

/**
 * A problem with an image file. The message is safe to show a client: it never holds a
 * filesystem path (those go to the log only).
 */
public class ImageException extends Exception {

    public enum Kind {
        /** Missing file, or a level/tile that does not exist: HTTP 404. */
        NOT_FOUND,
        /** A file we do not serve (not TIFF/JPEG2000, untiled TIFF...): HTTP 404 "Unsupported image". */
        UNSUPPORTED,
        /** A damaged or unreadable file: HTTP 404 as iipsrv's "TIFF error". */
        CORRUPT,
        /**
         * The image's store did not answer (a timeout, a 5xx, a refused connection) or the object
         * changed while it was read: HTTP 503 with Retry-After, never cached (docs/operations.md "Object storage").
         */
        UNAVAILABLE,
        /**
         * The access rules refuse this caller, who is not logged in: HTTP 401
         * (docs/operations.md "Access control").
         */
        LOGIN_REQUIRED,
        /** The access rules refuse this caller, who is logged in: HTTP 403. */
        FORBIDDEN
    }

    private final Kind kind;

    public ImageException(Kind kind, String message) {
        super(message);
        this.kind = kind;
    }

    public ImageException(Kind kind, String message, Throwable cause) {
        super(message, cause);
        this.kind = kind;
    }

    public Kind kind() {
        return kind;
    }

    /**
     * The text a 404 reply shows: the message, except for a file we do not serve, which is only
     * named as such (iipsrv answers those with its banner page and a 200).
     */
    public String replyText() {
        return kind == Kind.UNSUPPORTED ? "Unsupported image" : getMessage();
    }
}
