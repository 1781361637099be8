package io.github.iipservlet.render;

import io.github.iipservlet.codec.NativeCodecs;
import io.github.iipservlet.config.ServerConfig;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Map;
import java.util.TreeMap;

/**
 * What decides the bytes of a view besides the {@link View} itself: the settings and the codecs of
 * this server, as 12 hex digits that begin every tile-store key (docs/architecture.md 2.6). Servers
 * sharing memcached share an entry only when their fingerprints match, so a fleet with mixed
 * settings or libraries never answers with another server's bytes (docs/decisions.md Decision 33).
 * Computed once, when the context starts.
 *
 * <p>A setting belongs here when the same view renders to other bytes under another value of it
 * and the view does not hold it already. The quality, the output size (MAX_CVT, ALLOW_UPSCALING),
 * the format and the processing are view fields; a watermark turns the tile store off. What is left:
 * <ul>
 *   <li>JPEG_QUALITY, WEBP_QUALITY and CODEC_PASSTHROUGH: a stored JPEG or WebP tile is sent as
 *       it is only at the default quality, so a view of quality 75 is passed through on one server
 *       and re-encoded on another whose default is 90;</li>
 *   <li>INTERPOLATION: nearest neighbour or bilinear resizing;</li>
 *   <li>AVIF_CODEC: the AV1 encoder, with libavif's and its encoders' versions among the native
 *       libraries;</li>
 *   <li>MAX_ICC (EMBED_ICC is read into it) and COPYRIGHT: the profile and rights text written into
 *       the file;</li>
 *   <li>MAX_LAYERS: views hold the layers asked for (LYR), which it caps;</li>
 *   <li>the server's version, written as the Software of every output and standing for the code
 *       and the libraries in the WAR (libwebp among them);</li>
 *   <li>the JPEG2000 decoder with its version, and the native libraries of
 *       {@link NativeCodecs#outputLibraries()}.</li>
 * </ul>
 */
public final class OutputFingerprint {
    private final String canonical;
    private final String hex;

    private OutputFingerprint(Map<String, String> parts) {
        StringBuilder b = new StringBuilder();
        for (Map.Entry<String, String> e : new TreeMap<>(parts).entrySet()) {
            // Escaped so that no COPYRIGHT text can make two different sets read alike.
            b.append(e.getKey()).append('=').append(e.getValue().replace("\\", "\\\\").replace(";", "\\;"))
                    .append(';');
        }
        this.canonical = b.toString();
        try {
            byte[] sha = MessageDigest.getInstance("SHA-256").digest(canonical.getBytes(StandardCharsets.UTF_8));
            this.hex = HexFormat.of().formatHex(sha, 0, 6);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * This server's fingerprint.
     *
     * @param software        the Software name every encoder writes (the server's version)
     * @param jpeg2000Decoder the JPEG2000 decoder's name, with OpenJPEG's version
     */
    public static OutputFingerprint of(ServerConfig config, String software, String jpeg2000Decoder) {
        return of(config, software, jpeg2000Decoder, NativeCodecs.outputLibraries());
    }

    /** The fingerprint of these settings with these native libraries (name to file and digest, or "none"). */
    static OutputFingerprint of(ServerConfig config, String software, String jpeg2000Decoder,
            Map<String, String> libraries) {
        Map<String, String> parts = new TreeMap<>(libraries);
        parts.put("software", software);
        parts.put("jpeg2000", jpeg2000Decoder);
        parts.put("JPEG_QUALITY", Integer.toString(config.jpegQuality));
        parts.put("WEBP_QUALITY", Integer.toString(config.webpQuality));
        parts.put("CODEC_PASSTHROUGH", config.codecPassthrough ? "1" : "0");
        parts.put("INTERPOLATION", config.interpolation != 0 ? "1" : "0");
        parts.put("MAX_ICC", Integer.toString(config.maxIcc));
        parts.put("AVIF_CODEC", Integer.toString(config.avifCodec));
        parts.put("COPYRIGHT", config.copyright);
        // Every negative value asks for all layers (ViewRenderer.layerValue).
        parts.put("MAX_LAYERS", Integer.toString(Math.max(-1, config.maxLayers)));
        return new OutputFingerprint(parts);
    }

    /** The 12 hex digits (the first 6 bytes of the canonical text's SHA-256). */
    public String hex() {
        return hex;
    }

    /** What was hashed: {@code NAME=value;} for each part, by name, for the start-up log. */
    public String canonical() {
        return canonical;
    }

    @Override
    public String toString() {
        return hex;
    }
}
