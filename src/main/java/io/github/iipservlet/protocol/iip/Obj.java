package io.github.iipservlet.protocol.iip;

import io.github.iipservlet.image.ImageInfo;
import io.github.iipservlet.image.Level;
import io.github.iipservlet.image.StackItem;
import io.github.iipservlet.protocol.JsonStrings;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/** OBJ=object (docs/protocols.md 3.2): metadata lines of the IIP reply. */
final class Obj implements IipCommand {
    /** IIP-server protocol version iipsrv reports. */
    private static final String IIP_SERVER = "IIP-server:3.65";
    private static final String OPT_COMM = "IIP-opt-comm:CVT CNT QLT JTL JTLS WID HEI RGN MINMAX CMP INV";
    private static final String OPT_OBJ = "IIP-opt-obj:Horizontal-views Vertical-views Tile-size Bits-per-channel "
            + "Min-Max-sample-values Resolutions";
    /** Metadata objects answered with their raw value. */
    private static final Set<String> METADATA = Set.of("rights", "title", "description", "creator", "keywords",
            "comment", "last-author", "rev-number", "edit-time", "last-printed", "date", "last-save-dtm", "software",
            "make", "model", "xmp", "scale");

    @Override
    public void run(IipSession session, String argument) {
        String object = argument.toLowerCase(Locale.ROOT);
        if (object.startsWith("iip,")) {
            session.iipHeader = true;
            return;
        }
        switch (object) {
            case "iip-server" -> session.objectLines.add(IIP_SERVER);
            case "iip-opt-comm" -> session.objectLines.add(OPT_COMM);
            case "iip-opt-obj" -> session.objectLines.add(OPT_OBJ);
            default -> {
                if (!knownObject(object)) {
                    session.error("3 2", object);
                } else if (session.requireImage(object) != null) {
                    answer(session, object, session.image.info());
                }
            }
        }
    }

    private static boolean knownObject(String object) {
        return switch (object) {
            case "basic-info", "max-size", "resolution-number", "tile-size", "bits-per-channel", "horizontal-views",
                    "vertical-views", "min-max-sample-values", "resolutions", "dpi", "stack", "summary-info",
                    "metadata" -> true;
            default -> object.contains("colorspace") || METADATA.contains(object);
        };
    }

    private static void answer(IipSession session, String object, ImageInfo info) {
        var lines = session.objectLines;
        switch (object) {
            case "basic-info" -> {
                lines.add(IIP_SERVER);
                lines.add(maxSize(session, info));
                lines.add("Resolution-number:" + info.resolutionCount());
                lines.add(colourSpace(info));
            }
            case "max-size" -> lines.add(maxSize(session, info));
            case "resolution-number" -> lines.add("Resolution-number:" + info.resolutionCount());
            case "tile-size" -> lines.add("Tile-size:" + info.levels.get(0).tileWidth() + " "
                    + info.levels.get(0).tileHeight());
            case "bits-per-channel" -> lines.add("Bits-per-channel:" + info.bitsPerSample);
            case "horizontal-views" -> lines.add("Horizontal-views:" + views(session.image.horizontalViews()));
            case "vertical-views" -> lines.add("Vertical-views:" + views(session.image.verticalViews()));
            case "min-max-sample-values" -> {
                StringBuilder b = new StringBuilder("Min-Max-sample-values:");
                for (int c = 0; c < info.channels; c++) {
                    b.append(' ').append(CFormat.g(session.minValue(c), 9)).append(' ');
                    b.append(' ').append(CFormat.g(session.maxValue(c), 9)).append(' ');
                }
                lines.add(b.substring(0, b.length() - 1));
            }
            case "resolutions" -> {
                StringBuilder b = new StringBuilder("Resolutions:");
                for (int i = info.levels.size() - 1; i >= 0; i--) {
                    Level level = info.levels.get(i);
                    b.append(level.width()).append(' ').append(level.height());
                    if (i > 0) {
                        b.append(',');
                    }
                }
                lines.add(b.toString());
            }
            case "dpi" -> {
                if (info.dpiX != 0 && info.dpiY != 0) {
                    lines.add("DPI:" + CFormat.f(perMetre(info.dpiX, info.resolutionUnit)) + " "
                            + CFormat.f(perMetre(info.dpiY, info.resolutionUnit)));
                }
            }
            case "stack" -> {
                // Single images are not stacks: iipsrv adds nothing.
                List<StackItem> stack = session.image.stack();
                if (!stack.isEmpty()) {
                    session.objectContentType = "application/json";
                    lines.add(stackJson(stack));
                }
            }
            case "summary-info" -> {
                for (String key : new String[] {"rights", "description", "creator", "date", "software"}) {
                    String v = metadata(session, info, key);
                    if (v != null) {
                        lines.add(v);
                        session.objectContentType = "text/plain";
                    }
                }
            }
            case "metadata" -> {
                session.objectContentType = "application/json";
                lines.add(metadataJson(session, info));
            }
            default -> {
                if (object.contains("colorspace")) {
                    lines.add(colourSpace(info));
                } else {
                    String v = metadata(session, info, object);
                    if (v != null) {
                        lines.add(v);
                        session.objectContentType = "xmp".equals(object) ? "application/xml" : "text/plain";
                    }
                }
            }
        }
    }

    private static String views(List<Integer> angles) {
        StringBuilder b = new StringBuilder();
        for (int a : angles) {
            b.append(b.length() == 0 ? "" : " ").append(a);
        }
        return b.toString();
    }

    /** iipsrv's layout of OBJ=stack (docs/protocols.md 3.2), with the names JSON-escaped. */
    private static String stackJson(List<StackItem> stack) {
        StringBuilder b = new StringBuilder("[ ");
        for (int i = 0; i < stack.size(); i++) {
            StackItem item = stack.get(i);
            b.append("\n\t{\n\t\t\"id\": ").append(i).append(",\n\t\t\"name\": \"").append(JsonStrings.escape(item.name()))
                    .append("\",\n\t\t\"scale\": ").append(CFormat.g(item.scale(), 9)).append("\n\t},");
        }
        b.setLength(b.length() - 1);
        return b.append("\n]").toString();
    }

    private static String maxSize(IipSession session, ImageInfo info) {
        boolean swap = Math.floorMod((int) session.rotation, 180) == 90;
        return "Max-size:" + (swap ? info.height() + " " + info.width() : info.width() + " " + info.height());
    }

    private static String colourSpace(ImageInfo info) {
        String values = switch (info.colourSpace) {
            case SRGB -> "0 0 3 3 0 1 2";
            case CIELAB -> "1 0 4 3 0 1 2";
            case GREYSCALE, BINARY -> "0 0 1 1 0";
        };
        return "Colorspace,0-" + (info.resolutionCount() - 1) + ",0:" + values;
    }

    private static double perMetre(double value, int unit) {
        return unit == 2 ? value * 100 : unit == 1 ? value / 0.0254 : value;
    }

    /** A metadata value, with COPYRIGHT standing in for missing rights (docs/protocols.md 3.1 step 5). */
    private static String metadata(IipSession session, ImageInfo info, String key) {
        String v = info.metadata.get(key);
        if ((v == null || v.isEmpty()) && "rights".equals(key) && !session.services.config().copyright.isEmpty()) {
            v = session.services.config().copyright;
        }
        return v == null || v.isEmpty() ? null : v;
    }

    /** iipsrv's layout, but with JSON-escaped values (iipsrv writes them raw, which breaks on quotes). */
    private static String metadataJson(IipSession session, ImageInfo info) {
        java.util.TreeMap<String, String> all = new java.util.TreeMap<>(info.metadata);
        all.remove("icc");
        all.remove("xmp");
        String rights = metadata(session, info, "rights");
        if (rights != null) {
            all.put("rights", rights);
        }
        if (all.isEmpty()) {
            return "{\n}";
        }
        StringBuilder b = new StringBuilder("{ ");
        for (Map.Entry<String, String> e : all.entrySet()) {
            b.append("\n\t\"").append(JsonStrings.escape(e.getKey())).append("\": \"").append(JsonStrings.escape(e.getValue()))
                    .append("\",");
        }
        b.setLength(b.length() - 1);
        return b.append("\n}").toString();
    }
}
