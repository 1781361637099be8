package io.github.iipservlet.protocol.iiif;

import io.github.iipservlet.config.ServerConfig;
import io.github.iipservlet.encode.OutputFormat;
import io.github.iipservlet.image.ImageInfo;
import io.github.iipservlet.image.Level;
import io.github.iipservlet.protocol.JsonStrings;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * info.json (docs/protocols.md 8.4) in iipsrv's layout, byte for byte where iipsrv is right: same field order,
 * indentation and spacing, so clients and diffs that know iipsrv's see no change. It differs
 * where iipsrv is wrong: it advertises only the formats and features we serve, escapes the rights
 * text, and does not double {@code %} in the id (a printf slip in iipsrv).
 */
final class InfoJson {
    private InfoJson() {
    }

    static String body(ImageInfo info, int version, String id, ServerConfig config) {
        return body(info, version, id, config, Integer.MAX_VALUE, null);
    }

    /**
     * @param maxSide the longest side of the whole image the caller may receive (docs/operations.md
     *                "Access control"): sizes, scale factors and maxWidth/maxHeight go no further
     * @param auth    the Authorization Flow services of a restricted image, or null
     */
    static String body(ImageInfo info, int version, String id, ServerConfig config, int maxSide, AuthServices auth) {
        StringBuilder b = new StringBuilder(1024);
        b.append("{\n");
        if (auth != null && version >= 3) {
            // Auth 2.0 section 2.1: its context first in the list, before the Image API's.
            b.append("  \"@context\" : [ \"").append(AuthServices.CONTEXT)
                    .append("\", \"http://iiif.io/api/image/3/context.json\" ],\n");
        } else {
            b.append("  \"@context\" : \"http://iiif.io/api/image/").append(version >= 3 ? 3 : version)
                    .append("/context.json\",\n");
        }
        b.append("  \"protocol\" : \"http://iiif.io/api/image\",\n");
        b.append("  \"width\" : ").append(info.width()).append(",\n");
        b.append("  \"height\" : ").append(info.height()).append(",\n");
        sizes(b, info, maxSide);
        tiles(b, info, maxSide);
        int max = Math.min(config.maxCvt, maxSide);
        String maxSize = Long.toString(max == Integer.MAX_VALUE ? 4294967295L : max);
        List<String> formats = new ArrayList<>();
        for (OutputFormat f : OutputFormat.values()) {
            if (f.available()) {
                formats.add(f.suffix);
            }
        }
        boolean level2 = complianceLevel().equals("level2");
        if (version >= 3) {
            b.append("  \"id\" : \"").append(JsonStrings.escape(id)).append("\",\n");
            b.append("  \"type\": \"ImageService3\",\n");
            b.append("  \"profile\" : \"").append(level2 ? "level2" : "level1").append("\",\n");
            b.append("  \"maxWidth\" : ").append(maxSize).append(",\n");
            b.append("  \"maxHeight\" : ").append(maxSize).append(",\n");
            b.append("  \"extraQualities\": [").append(list(qualities(info, config, false))).append("],\n");
            formats.removeAll(List.of("jpg", "png"));
            if (!formats.isEmpty()) {
                b.append("  \"extraFormats\": [").append(list(formats)).append("],\n");
            }
            List<String> features = new ArrayList<>(List.of("regionByPct", "sizeByPct", "sizeByConfinedWh"));
            if (config.allowUpscaling) {
                features.add("sizeUpscaling");
            }
            features.addAll(List.of("rotationBy90s", "mirroring"));
            b.append("  \"extraFeatures\": [").append(list(features)).append("]");
        } else {
            b.append("  \"@id\" : \"").append(JsonStrings.escape(id)).append("\",\n");
            b.append("  \"profile\" : [\n");
            b.append("     \"http://iiif.io/api/image/2/").append(level2 ? "level2" : "level1").append(".json\",\n");
            b.append("     { \"formats\" : [").append(list(formats)).append("],\n");
            b.append("       \"qualities\" : [").append(list(qualities(info, config, true))).append("],\n");
            List<String> supports = new ArrayList<>(List.of("regionByPct", "regionSquare", "max", "sizeByConfinedWh",
                    "sizeByForcedWh", "sizeByWh"));
            if (config.allowUpscaling) {
                supports.add("sizeAboveFull");
            }
            supports.addAll(List.of("rotationBy90s", "mirroring"));
            b.append("       \"supports\" : [").append(list(supports)).append("],\n");
            b.append("       \"maxWidth\" : ").append(maxSize).append(",\n");
            b.append("       \"maxHeight\" : ").append(maxSize).append("\n");
            b.append("     }\n");
            b.append("  ]");
        }
        String rights = info.metadata.getOrDefault("rights", "");
        if (rights.isEmpty()) {
            rights = config.copyright;
        }
        if (!rights.isEmpty()) {
            b.append(",\n  \"").append(version >= 3 ? "rights" : "license").append("\": \"").append(JsonStrings.escape(rights))
                    .append('"');
        }
        if (!config.iiifExtraInfo.isEmpty()) {
            b.append(",\n  ").append(config.iiifExtraInfo);
        }
        if (info.dpiX > 0 || auth != null) {
            b.append(",\n  \"service\": [\n");
            if (auth != null) {
                auth.appendTo(b, version, "    ");
                b.append(info.dpiX > 0 ? ",\n" : "\n");
            }
            if (info.dpiX > 0) {
                physicalDimensions(b, info, version, id);
            }
            b.append("  ]\n");
        }
        b.append("\n}");
        return b.toString();
    }

    private static void physicalDimensions(StringBuilder b, ImageInfo info, int version, String id) {
        b.append("    {\n");
        b.append("      \"@context\": \"http://iiif.io/api/annex/services/physdim/1/context.json\",\n");
        if (version >= 3) {
            // IIIF 3 wants an id and a type on every service (the validator checks); iipsrv has neither.
            b.append("      \"@id\": \"").append(JsonStrings.escape(id)).append("#physdim\",\n");
            b.append("      \"@type\": \"PhysicalDimensions\",\n");
        }
        b.append("      \"profile\": \"http://iiif.io/api/annex/services/physdim\",\n");
        b.append("      \"physicalScale\": ").append(sixDigits(1.0 / info.dpiX)).append(",\n");
        b.append("      \"physicalUnits\": \"").append(info.resolutionUnit == 1 ? "in" : "cm").append("\"\n");
        b.append("    }\n");
    }

    /** IIIF compliance: level 2 needs PNG output besides JPEG (iipsrv's rule too). */
    static String complianceLevel() {
        return OutputFormat.forIiifSuffix("png") != null ? "level2" : "level1";
    }

    /**
     * Every level but the full one, smallest first; a single-level image lists its full size. A
     * caller limited to {@code maxSide} gets the levels within it, and when none is, the image at
     * exactly that size.
     */
    private static void sizes(StringBuilder b, ImageInfo info, int maxSide) {
        List<int[]> sizes = new ArrayList<>();
        List<Level> levels = info.levels;
        int n = levels.size();
        for (int k = n - 1; k >= (n == 1 ? 0 : 1); k--) {
            Level level = levels.get(k);
            if (fits(level, maxSide)) {
                sizes.add(new int[] {level.width(), level.height()});
            }
        }
        if (sizes.isEmpty() && maxSide < Integer.MAX_VALUE) {
            double scale = (double) maxSide / Math.max(info.width(), info.height());
            sizes.add(new int[] {Math.max(1, (int) (info.width() * scale)), Math.max(1, (int) (info.height() * scale))});
        }
        b.append("  \"sizes\" : [\n");
        for (int i = 0; i < sizes.size(); i++) {
            b.append("     { \"width\" : ").append(sizes.get(i)[0]).append(", \"height\" : ").append(sizes.get(i)[1])
                    .append(" }").append(i < sizes.size() - 1 ? ",\n" : "\n");
        }
        b.append("  ],\n");
    }

    private static boolean fits(Level level, int maxSide) {
        return Math.max(level.width(), level.height()) <= maxSide;
    }

    /** The tile size and the scale factors of the levels within {@code maxSide}. */
    private static void tiles(StringBuilder b, ImageInfo info, int maxSide) {
        Level full = info.levels.get(0);
        b.append("  \"tiles\" : [\n");
        b.append("     { \"width\" : ").append(full.tileWidth()).append(", \"height\" : ").append(full.tileHeight())
                .append(", \"scaleFactors\" : [ ");
        boolean first = true;
        for (int k = 0; k < info.levels.size(); k++) {
            if (fits(info.levels.get(k), maxSide)) {
                b.append(first ? "" : ", ").append(k == 0 ? 1 : info.width() / info.levels.get(k).width());
                first = false;
            }
        }
        b.append(" ] }\n");
        b.append("  ],\n");
    }

    private static List<String> qualities(ImageInfo info, ServerConfig config, boolean withNative) {
        List<String> q = new ArrayList<>();
        if (withNative) {
            q.add("native");
        }
        if (info.channels >= 3) {
            q.add("color");
        }
        q.add("gray");
        q.add("bitonal");
        if (config.iiifExtensions) {
            q.addAll(List.of("negative", "stretch", "equalization", "log"));
        }
        return q;
    }

    private static String list(List<String> values) {
        StringBuilder b = new StringBuilder();
        for (String v : values) {
            if (b.length() > 0) {
                b.append(',');
            }
            b.append('"').append(v).append('"');
        }
        return b.toString();
    }

    /** A number as C++'s default stream prints it: six significant digits, no trailing zeros. */
    static String sixDigits(double v) {
        String s = String.format(Locale.ROOT, "%.6g", v);
        int e = s.indexOf('e');
        String mantissa = e < 0 ? s : s.substring(0, e);
        String exponent = e < 0 ? "" : s.substring(e);
        if (mantissa.indexOf('.') >= 0) {
            mantissa = mantissa.replaceAll("0+$", "");
            if (mantissa.endsWith(".")) {
                mantissa = mantissa.substring(0, mantissa.length() - 1);
            }
        }
        return mantissa + exponent;
    }
}
