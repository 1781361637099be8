package io.github.iipservlet.protocol.iip;

import io.github.iipservlet.encode.OutputFormat;
import java.util.Map;

/** The IIP commands by upper-case name, as iipsrv's command table. Unknown names give error 2 2. */
final class CommandRegistry {
    private static final Map<String, IipCommand> COMMANDS = Map.ofEntries(
            Map.entry("FIF", new Fif()),
            Map.entry("OBJ", new Obj()),
            Map.entry("JTL", new Jtl()),
            Map.entry("PTL", new FormatTile(OutputFormat.PNG)),
            Map.entry("WTL", new FormatTile(OutputFormat.WEBP)),
            Map.entry("ATL", new FormatTile(OutputFormat.AVIF)),
            Map.entry("TTL", new FormatTile(OutputFormat.TIFF)),
            Map.entry("JTLS", new Jtls()),
            Map.entry("TIL", new Til()),
            Map.entry("CVT", new Cvt()),
            Map.entry("QLT", new Qlt()),
            Map.entry("SDS", new Sds()),
            Map.entry("SPECTRA", new Spectra()),
            Map.entry("PFL", new Pfl()),
            Map.entry("LYR", new Lyr()),
            Map.entry("MINMAX", new MinMax()),
            Map.entry("CNT", new Cnt()),
            Map.entry("GAM", new Gam()),
            Map.entry("INV", new Inv()),
            Map.entry("CMP", new Cmp()),
            Map.entry("COL", new Col()),
            Map.entry("SHD", new Shd()),
            Map.entry("CTW", new Ctw()),
            Map.entry("CNV", new Cnv()),
            Map.entry("WID", new Wid()),
            Map.entry("HEI", new Hei()),
            Map.entry("RGN", new Rgn()),
            Map.entry("ROT", new Rot()),
            Map.entry("ICC", new Icc()));

    private CommandRegistry() {
    }

    static IipCommand get(String upperName) {
        return COMMANDS.get(upperName);
    }
}
