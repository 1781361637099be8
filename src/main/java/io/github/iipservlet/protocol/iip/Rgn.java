package io.github.iipservlet.protocol.iip;

import io.github.iipservlet.CNumbers;

/** RGN=x,y,w,h in 0..1 (docs/protocols.md 3.6): accepted only as four values with w, h &gt; 0, each clamped. */
final class Rgn implements IipCommand {
    @Override
    public void run(IipSession session, String argument) {
        String[] parts = argument.split(",", -1);
        if (parts.length != 4) {
            return;
        }
        double[] v = new double[4];
        for (int i = 0; i < 4; i++) {
            v[i] = Math.max(0, Math.min(1, CNumbers.atof(parts[i])));
        }
        if (v[2] <= 0 || v[3] <= 0) {
            return;
        }
        session.regionLeft = v[0];
        session.regionTop = v[1];
        session.regionWidth = v[2];
        session.regionHeight = v[3];
    }
}
