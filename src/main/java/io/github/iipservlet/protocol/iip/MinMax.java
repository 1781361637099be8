package io.github.iipservlet.protocol.iip;

import io.github.iipservlet.CNumbers;

/** MINMAX=c:min,max or -:min,max (docs/protocols.md 3.10): normalisation range for the rest of the request. */
final class MinMax implements IipCommand {
    @Override
    public void run(IipSession session, String argument) {
        if (session.requireImage("") == null) {
            return; // iipsrv crashes here without FIF; we answer 1 3 (docs/decisions.md Decision 5)
        }
        int colon = argument.indexOf(':');
        String channelText = colon < 0 ? argument : argument.substring(0, colon);
        String rest = colon < 0 ? argument : argument.substring(colon + 1);
        int channel = "-".equals(channelText) ? -1 : CNumbers.atoi(channelText);
        if (channel >= session.image.info().channels || (channel < 0 && !"-".equals(channelText))) {
            return;
        }
        int comma = rest.indexOf(',');
        double min = CNumbers.atof(comma < 0 ? rest : rest.substring(0, comma));
        double max = CNumbers.atof(comma < 0 ? rest : rest.substring(comma + 1));
        session.overrideMinMax(channel, min, max);
    }
}
