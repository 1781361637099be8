package io.github.iipservlet.protocol.iip;

import io.github.iipservlet.CNumbers;

/** SDS=x[,y] (docs/protocols.md 3.8): sequence angles / stack index. Without a comma y becomes 0. */
final class Sds implements IipCommand {
    @Override
    public void run(IipSession session, String argument) {
        int comma = argument.indexOf(',');
        session.horizontalAngle = CNumbers.atoi(comma < 0 ? argument : argument.substring(0, comma));
        session.verticalAngle = comma < 0 ? 0 : CNumbers.atoi(argument.substring(comma + 1));
    }
}
