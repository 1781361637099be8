package io.github.iipservlet.fuzz;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.function.Predicate;

/**
 * Writes the damaged files bench/soak.sh asks for, picked from the sweep's catalogue
 * ({@link Damage}), into a folder: {@code java -cp ... SoakFiles DIR}. Prints two lines,
 * {@code safe: names...} (damage today's server answers with an error and nothing worse, as far
 * as the sweep knows) and {@code harmful: names...} (damage the sweep found to poison the decoder
 * pools or crash the JVM), so that the soak can leave the harmful ones out unless asked.
 */
public final class SoakFiles {
    private record Pick(String name, String kind, boolean harmful, Predicate<String> description) {
    }

    private static final List<Pick> PICKS = List.of(
            new Pick("dmg-jpeg-truncated.tif", "jpeg", false, d -> d.startsWith("truncated to") && d.contains(" of ")
                    && halfway(d)),
            new Pick("dmg-jpeg-offset-eof.tif", "jpeg", false, d -> d.contains("(end of file)")),
            new Pick("dmg-jpeg-ifd-loop.tif", "jpeg", false, d -> d.startsWith("IFD loop: the last IFD")),
            new Pick("dmg-deflate-bomb.tif", "deflate", false, d -> d.contains("zlib stream of 64 MB")),
            new Pick("dmg-deflate-count-400m.tif", "deflate", false, d -> d.contains("byte count") && d.contains("-> 400000000")),
            new Pick("dmg-lzw-bomb.tif", "lzw", false, d -> d.contains("LZW stream of 64 MB")),
            new Pick("dmg-lzw-subifd-loop.tif", "lzw", false, d -> d.startsWith("SubIFD loop: IFD 0's SampleFormat")),
            new Pick("dmg-jp2-truncated.jp2", "jp2-untiled", false, d -> d.startsWith("truncated to") && halfway(d)),
            new Pick("dmg-jp2-tiled-psot.jp2", "jp2-tiled", false, d -> d.contains("Psot") && d.contains("0xFFFFFFFF")),
            new Pick("dmg-jp2-siz.jp2", "jp2-untiled", false, d -> d.startsWith("SIZ: Xsiz") && d.contains("0xFFFFFFFF")),
            new Pick("dmg-jpeg-sof-sampling-0.tif", "jpeg", true,
                    d -> d.contains("tile 0 (row 0, col 0): JPEG SOF component 0 sampling factors") && d.endsWith("-> 0x0")),
            new Pick("dmg-jpeg-sparse-row.tif", "jpeg", true, d -> d.contains("every tile of row 1 sparse")),
            new Pick("dmg-jpeg-bad-tables.tif", "jpeg", true, d -> d.contains("JPEGTables (") && d.endsWith("-> random bytes")),
            new Pick("dmg-jpeg-sof-65500.tif", "jpeg", true, d -> d.contains("65500x65500 (a decompression bomb)")));

    private SoakFiles() {
    }

    private static boolean halfway(String d) {
        // "truncated to A of B bytes": the cut near the middle
        String[] w = d.split(" ");
        long a = Long.parseLong(w[2]);
        long b = Long.parseLong(w[4]);
        return Math.abs(a - b / 2) <= 1;
    }

    public static void main(String[] args) throws IOException {
        Path dir = Path.of(args.length > 0 ? args[0] : "target/soak/images");
        Files.createDirectories(dir);
        long seed = Long.getLong("fuzz.seed", 20240611L);
        StringBuilder safe = new StringBuilder("safe:");
        StringBuilder harmful = new StringBuilder("harmful:");
        for (DamagedFilesTest.Base base : DamagedFilesTest.bases(List.of("jpeg", "deflate", "lzw", "jp2-tiled", "jp2-untiled"))) {
            List<Damage.Variant> variants = base.extension().equals("jp2")
                    ? Damage.jp2(base.kind(), base.bytes(), seed, 0)
                    : Damage.tiff(base.kind(), base.bytes(), seed, 0);
            for (Pick p : PICKS) {
                if (!p.kind().equals(base.kind())) {
                    continue;
                }
                Damage.Variant v = variants.stream().filter(x -> p.description().test(x.description())).findFirst()
                        .orElseThrow(() -> new IllegalStateException("no variant for " + p.name()));
                Files.write(dir.resolve(p.name()), v.bytes());
                Files.writeString(dir.resolve(p.name() + ".txt"), v.description() + "\n");
                (p.harmful() ? harmful : safe).append(' ').append(p.name());
            }
        }
        System.out.println(safe);
        System.out.println(harmful);
    }
}
