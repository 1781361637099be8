package io.github.iipservlet.protocol.iip;

import io.github.iipservlet.CNumbers;
import io.github.iipservlet.process.Processing;
import java.util.Locale;

/** GAM=float | log | logarithm (docs/protocols.md 3.12). */
final class Gam implements IipCommand {
    @Override
    public void run(IipSession session, String argument) {
        String a = argument.toLowerCase(Locale.ROOT);
        session.gamma = a.equals("log") || a.equals("logarithm") ? Processing.LOG : (float) CNumbers.atof(a);
    }
}
