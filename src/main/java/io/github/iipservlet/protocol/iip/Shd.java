package io.github.iipservlet.protocol.iip;

import io.github.iipservlet.CNumbers;
import io.github.iipservlet.process.Processing;

/**
 * SHD=azimuth,elevation (docs/protocols.md 3.18): hill-shading, in whole degrees. Applied only when the
 * argument holds exactly two comma-separated values, as in iipsrv; otherwise ignored.
 */
final class Shd implements IipCommand {
    @Override
    public void run(IipSession session, String argument) {
        String[] values = Tokens.split(argument, ',');
        if (values.length == 2) {
            session.shade = new Processing.Shade(CNumbers.atoi(values[0]), CNumbers.atoi(values[1]));
        }
    }
}
