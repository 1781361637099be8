package io.github.iipservlet.protocol.iip;

import io.github.iipservlet.CNumbers;

/** LYR=n (docs/protocols.md 3.9): JPEG2000 quality layers; ignored by other formats. */
final class Lyr implements IipCommand {
    @Override
    public void run(IipSession session, String argument) {
        // Every negative value means all layers (docs/protocols.md 3.9); one value for all of them
        // keeps the View and its cache key to one entry, and -2147483648 no longer reaches View.
        session.layers = Math.max(-1, CNumbers.atoi(argument));
    }
}
