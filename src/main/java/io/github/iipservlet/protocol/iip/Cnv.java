package io.github.iipservlet.protocol.iip;

import io.github.iipservlet.CNumbers;
import io.github.iipservlet.process.Convolution;
import io.github.iipservlet.protocol.PercentDecoding;
import java.util.Locale;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

/**
 * CNV=name or CNV=[k1,...,kn] (docs/protocols.md 3.17): convolution with one of iipsrv's named 3x3 kernels or
 * an explicit odd square kernel of at most 5x5, row-major. Anything else is ignored (logged), as in
 * iipsrv, leaving an earlier CNV in force.
 */
final class Cnv implements IipCommand {
    private static final Logger LOG = LogManager.getLogger(Cnv.class);

    @Override
    public void run(IipSession session, String argument) {
        String text = Tokens.bracketed(PercentDecoding.decode(argument)).toLowerCase(Locale.ROOT);
        float[] kernel = Convolution.named(text);
        if (kernel == null) {
            String[] values = Tokens.split(text, ',');
            // iipsrv reads at most one value more than the largest kernel, then checks the count.
            int n = Math.min(values.length, Convolution.MAX_WEIGHTS + 1);
            if (!Convolution.acceptable(n)) {
                LOG.debug("CNV: ignoring kernel '{}' ({} values; 1, 9 or 25 needed)", text, n);
                return;
            }
            kernel = new float[n];
            for (int i = 0; i < n; i++) {
                kernel[i] = (float) CNumbers.atof(values[i]);
            }
        }
        session.kernel = kernel;
    }
}
