package io.github.iipservlet.image.jp2;

import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

/** Chooses the JPEG2000 decoder from JPEG2000_DECODER: auto (OpenJPEG when it loads), openjpeg or jj2000. */
public final class Jp2Decoders {
    private static final Logger LOG = LogManager.getLogger(Jp2Decoders.class);

    private Jp2Decoders() {
    }

    /**
     * @param configured  JPEG2000_DECODER
     * @param concurrency decodes that may run at once
     */
    public static Jp2Decoder select(String configured, int concurrency) {
        String choice = configured == null ? "auto" : configured.trim().toLowerCase(java.util.Locale.ROOT);
        Jp2Decoder decoder;
        switch (choice) {
            case "jj2000":
                decoder = new Jj2000Decoder(concurrency);
                break;
            case "openjpeg":
                if (!OpenJpegDecoder.available()) {
                    LOG.warn("JPEG2000_DECODER=openjpeg but libopenjp2 does not load (Debian: libopenjp2-7):"
                            + " using JJ2000");
                }
                decoder = OpenJpegDecoder.available() ? new OpenJpegDecoder(concurrency) : new Jj2000Decoder(concurrency);
                break;
            default:
                if (!choice.equals("auto") && !choice.isEmpty()) {
                    LOG.warn("JPEG2000_DECODER={} is not auto, openjpeg or jj2000: choosing automatically", configured);
                }
                decoder = OpenJpegDecoder.available() ? new OpenJpegDecoder(concurrency) : new Jj2000Decoder(concurrency);
        }
        LOG.info("JPEG2000 is decoded by {}", decoder.name());
        return decoder;
    }
}
