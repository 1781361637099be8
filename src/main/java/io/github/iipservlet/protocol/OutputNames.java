package io.github.iipservlet.protocol;

import io.github.iipservlet.encode.OutputFormat;

/** The file name offered for a rendered region (CVT, IIIF): iipsrv's Content-Disposition name. */
public final class OutputNames {
    private OutputNames() {
    }

    /** {@code <basename without extension>_<W>x<H>.<suffix>}, with characters unsafe in a header replaced. */
    public static String fileName(String identifier, int width, int height, OutputFormat format) {
        String base = identifier.substring(identifier.lastIndexOf('/') + 1);
        int dot = base.lastIndexOf('.');
        if (dot > 0) {
            base = base.substring(0, dot);
        }
        StringBuilder b = new StringBuilder(base.length() + 16);
        for (int i = 0; i < base.length(); i++) {
            char c = base.charAt(i);
            b.append(c < 0x20 || c > 0x7e || c == '"' || c == '\\' ? '_' : c);
        }
        return b.append('_').append(width).append('x').append(height).append('.').append(format.suffix).toString();
    }
}
