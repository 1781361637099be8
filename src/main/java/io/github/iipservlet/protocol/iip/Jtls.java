package io.github.iipservlet.protocol.iip;

import io.github.iipservlet.CNumbers;
import io.github.iipservlet.image.ImageException;
import io.github.iipservlet.render.TooLargeToRender;

/** JTLS=xangle,resolution,tile,yangle (docs/protocols.md 3.4, legacy): sets the sequence angles, then JTL. */
final class Jtls implements IipCommand {
    @Override
    public void run(IipSession session, String argument) throws ImageException, IipStop, TooLargeToRender {
        String[] parts = java.util.Arrays.stream(argument.split(",")).filter(s -> !s.isEmpty())
                .toArray(String[]::new);
        if (parts.length != 4) {
            return;
        }
        session.horizontalAngle = CNumbers.atoi(parts[0]);
        session.verticalAngle = CNumbers.atoi(parts[3]);
        Jtl.sendTile(session, CNumbers.atoi(parts[1]), CNumbers.atoi(parts[2]));
    }
}
