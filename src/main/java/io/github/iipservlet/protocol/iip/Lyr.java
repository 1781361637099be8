package io.github.iipservlet.protocol.iip;

import io.github.iipservlet.CNumbers;

/** LYR=n (docs/protocols.md 3.9): JPEG2000 quality layers; ignored by other formats. */
final class Lyr implements IipCommand {
    @Override
    public void run(IipSession session, String argument) {
        session.layers = CNumbers.atoi(argument);
    }
}
