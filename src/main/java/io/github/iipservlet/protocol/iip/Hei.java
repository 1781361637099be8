package io.github.iipservlet.protocol.iip;

import io.github.iipservlet.CNumbers;

/** HEI=n: requested output height; negative wraps to huge in iipsrv, so MAX_CVT clamps it. */
final class Hei implements IipCommand {
    @Override
    public void run(IipSession session, String argument) {
        long h = CNumbers.atol(argument);
        session.requestedHeight = h < 0 || h > Integer.MAX_VALUE ? Integer.MAX_VALUE : (int) h;
    }
}
