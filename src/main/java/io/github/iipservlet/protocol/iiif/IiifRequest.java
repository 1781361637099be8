package io.github.iipservlet.protocol.iiif;

import io.github.iipservlet.CNumbers;
import io.github.iipservlet.protocol.PercentDecoding;

/**
 * A IIIF argument split into identifier and parameters (docs/protocols.md 8.1). An argument without a slash
 * as the client wrote it is a base URI (its identifier may hold {@code %2F}). Otherwise it is
 * percent-decoded once before splitting, as iipsrv does, so an identifier holding {@code %2F}
 * names a sub-folder; the last four segments are the parameters, everything before them the
 * identifier. That one decoding is all (IIIF 3.0 and 2.1 section 9: clients encode {@code %} as
 * {@code %25}); iipsrv decodes the identifier a second time.
 *
 * @param kind       what is asked for
 * @param identifier the image, decoded
 * @param page       the page after IIIF_DELIMITER, or 0
 * @param params     region, size, rotation, quality.format (image requests only)
 */
record IiifRequest(Kind kind, String identifier, int page, String[] params) {
    enum Kind { REDIRECT, INFO, IMAGE }

    static final String SYNTAX = "IIIF syntax is {identifier}/{region}/{size}/{rotation}/{quality}{.format}";

    /** @param raw the argument as the client sent it (not decoded) */
    static IiifRequest parse(String raw, String delimiter) throws IiifError {
        if (raw.indexOf('/') < 0) {
            return withPage(Kind.REDIRECT, PercentDecoding.decode(raw), null, delimiter);
        }
        // Decoding keeps every slash of the raw argument, so there is one.
        String decoded = PercentDecoding.decode(raw);
        int last = decoded.lastIndexOf('/');
        String suffix = decoded.substring(last + 1);
        if (suffix.startsWith("info")) {
            if (!suffix.equals("info.json")) {
                throw IiifError.bad("IIIF: Query has too few parameters. " + SYNTAX);
            }
            return withPage(Kind.INFO, decoded.substring(0, last), null, delimiter);
        }
        int start = last;
        for (int i = 0; i < 3; i++) {
            start = start > 0 ? decoded.lastIndexOf('/', start - 1) : -1;
            if (start < 0) {
                if (decoded.lastIndexOf('/') == 0) {
                    // iipsrv's quirk (docs/protocols.md 8.1.4): "/image.tif" names the empty identifier, a 404.
                    return new IiifRequest(Kind.IMAGE, "", 0, null);
                }
                throw IiifError.bad("IIIF: Not enough parameters");
            }
        }
        String[] segments = decoded.substring(start + 1).split("/");
        int count = 0;
        for (String s : segments) {
            if (!s.isEmpty()) {
                segments[count++] = s;
            }
        }
        if (count < 4) {
            throw IiifError.bad("IIIF: Query has too few parameters. " + SYNTAX);
        }
        return withPage(Kind.IMAGE, decoded.substring(0, start), segments, delimiter);
    }

    private static IiifRequest withPage(Kind kind, String identifier, String[] params, String delimiter) {
        int page = 0;
        if (!delimiter.isEmpty()) {
            int at = identifier.lastIndexOf(delimiter);
            if (at >= 0) {
                page = CNumbers.atoi(identifier.substring(at + delimiter.length()));
                identifier = identifier.substring(0, at);
            }
        }
        return new IiifRequest(kind, identifier, page, params);
    }
}
