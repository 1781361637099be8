package io.github.iipservlet.render;

/**
 * A view whose render would need more memory than the server ever lets renders hold at once: it
 * is refused before anything is decoded, with a message that says so (it would never succeed
 * here, so it is not a "busy, retry" reply).
 */
public final class TooLargeToRender extends Exception {
    public TooLargeToRender(String message) {
        super(message, null, false, false);
    }
}
