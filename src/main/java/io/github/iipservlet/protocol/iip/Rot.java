package io.github.iipservlet.protocol.iip;

import io.github.iipservlet.CNumbers;

/** ROT=[!]deg (docs/protocols.md 3.6): {@code !} mirrors left-right; {@code !180} is a top-bottom flip only. */
final class Rot implements IipCommand {
    @Override
    public void run(IipSession session, String argument) {
        boolean mirror = argument.startsWith("!");
        float degrees = (float) CNumbers.atof(mirror ? argument.substring(1) : argument);
        if (mirror && degrees == 180f) {
            session.flip = 2;
            session.rotation = 0f;
        } else {
            if (mirror) {
                session.flip = 1;
            }
            session.rotation = degrees;
        }
    }
}
