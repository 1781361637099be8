package io.github.iipservlet.protocol.iip;

import io.github.iipservlet.process.Processing.Colour;
import java.util.Locale;

/** COL=grey|gray|binary (docs/protocols.md 3.15); anything else is ignored. */
final class Col implements IipCommand {
    @Override
    public void run(IipSession session, String argument) {
        switch (argument.toLowerCase(Locale.ROOT)) {
            case "grey", "gray" -> session.colour = Colour.GREY;
            case "binary" -> session.colour = Colour.BITONAL;
            default -> {
            }
        }
    }
}
