package io.github.iipservlet.protocol.iiif;

/**
 * A IIIF request the server refuses, with the HTTP status of docs/decisions.md Decision 2: 400 for a malformed or
 * out-of-bounds parameter, 501 for a valid feature we do not offer. The message is iipsrv's text
 * where iipsrv has one, and never holds a path.
 */
final class IiifError extends Exception {
    static final int BAD_REQUEST = 400;
    static final int NOT_IMPLEMENTED = 501;

    final int status;

    IiifError(int status, String message) {
        super(message, null, false, false);
        this.status = status;
    }

    static IiifError bad(String message) {
        return new IiifError(BAD_REQUEST, message);
    }
}
