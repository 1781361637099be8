package io.github.iipservlet.protocol.iip;

import io.github.iipservlet.config.CNumbers;

/** QLT=q or QLT=compression:q (spec 3.7): the encoder quality, clamped by each encoder. */
final class Qlt implements IipCommand {
    @Override
    public void run(IipSession session, String argument) {
        String value = argument;
        int colon = value.indexOf(':');
        if (colon >= 0) {
            // The part before the colon selects TIFF output compression (arrives with TIFF output).
            value = value.substring(colon + 1);
        }
        int q = CNumbers.atoi(value);
        session.jpegQuality = Math.max(1, Math.min(100, q));
    }
}
