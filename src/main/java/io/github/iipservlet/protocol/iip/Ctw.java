package io.github.iipservlet.protocol.iip;

import io.github.iipservlet.CNumbers;
import io.github.iipservlet.protocol.PercentDecoding;

/**
 * CTW=[a,b,c;d,e,f;...] (docs/protocols.md 3.16): colour twist. Row k of the matrix makes output channel k
 * from the input channels; rows of several CTW commands add up. At most {@link #MAX} rows and
 * values per row are kept (more cannot change what an encoder writes: output channels beyond four
 * are reduced to three, and values beyond the image's channels are ignored), so a request cannot
 * make the cache key or the work unbounded.
 */
final class Ctw implements IipCommand {
    static final int MAX = 64;

    @Override
    public void run(IipSession session, String argument) {
        String matrix = Tokens.bracketed(PercentDecoding.decode(argument));
        for (String rowText : Tokens.split(matrix, ';')) {
            if (session.twist.size() >= MAX) {
                return;
            }
            String[] values = Tokens.split(rowText, ',');
            float[] row = new float[Math.min(values.length, MAX)];
            for (int j = 0; j < row.length; j++) {
                row[j] = (float) CNumbers.atof(values[j]);
            }
            session.twist.add(row);
        }
    }
}
