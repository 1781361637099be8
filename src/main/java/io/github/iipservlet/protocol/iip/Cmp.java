package io.github.iipservlet.protocol.iip;

import io.github.iipservlet.process.Processing.Colormap;
import java.util.Locale;

/** CMP=hot|cold|jet|blue|green|red (docs/protocols.md 3.14); anything else turns the colormap off. */
final class Cmp implements IipCommand {
    @Override
    public void run(IipSession session, String argument) {
        session.colormap = switch (argument.toLowerCase(Locale.ROOT)) {
            case "hot" -> Colormap.HOT;
            case "cold" -> Colormap.COLD;
            case "jet" -> Colormap.JET;
            case "blue" -> Colormap.BLUE;
            case "green" -> Colormap.GREEN;
            case "red" -> Colormap.RED;
            default -> Colormap.NONE;
        };
    }
}
