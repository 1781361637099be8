package io.github.iipservlet.protocol.iip;

import io.github.iipservlet.CNumbers;
import io.github.iipservlet.process.Processing;
import java.util.Locale;

/** CNT=float | st | stretch | eq | equalization (docs/protocols.md 3.11). */
final class Cnt implements IipCommand {
    @Override
    public void run(IipSession session, String argument) {
        String a = argument.toLowerCase(Locale.ROOT);
        if (a.equals("eq") || a.equals("equalization")) {
            session.equalise = true;
        } else if (a.equals("st") || a.equals("stretch")) {
            session.contrast = Processing.STRETCH;
        } else {
            session.contrast = (float) CNumbers.atof(a);
        }
    }
}
