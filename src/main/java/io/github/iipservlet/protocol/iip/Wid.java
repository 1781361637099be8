package io.github.iipservlet.protocol.iip;

import io.github.iipservlet.CNumbers;

/** WID=n: requested output width; negative wraps to huge in iipsrv, so MAX_CVT clamps it. */
final class Wid implements IipCommand {
    @Override
    public void run(IipSession session, String argument) {
        long w = CNumbers.atol(argument);
        session.requestedWidth = w < 0 || w > Integer.MAX_VALUE ? Integer.MAX_VALUE : (int) w;
    }
}
