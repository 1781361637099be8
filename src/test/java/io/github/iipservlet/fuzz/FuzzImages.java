package io.github.iipservlet.fuzz;

import io.github.iipservlet.image.SampleType;
import io.github.iipservlet.testsupport.Jp2Writer;
import io.github.iipservlet.testsupport.TestImages;
import io.github.iipservlet.testsupport.TiffWriter;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.stream.Stream;

/**
 * The images the conformance cases name (big.tif, big_deflate.tif, grey16.tif, lab.tif,
 * dem_float.tif, big.jp2), made in pure Java at a modest size so a fuzz run starts in seconds:
 * big.tif 2048x1536 RGB with JPEG tiles (YCbCr, JPEGTables), big_deflate.tif the same with
 * deflate and the horizontal predictor, grey16.tif 1024x768 16-bit grey (deflate), lab.tif
 * 1024x768 CIELAB (no compression), dem_float.tif 768x768 32-bit float (deflate, floating-point
 * predictor), big.jp2 2048x1536 untiled lossy JPEG2000 with 6 resolutions. All tiles 256x256,
 * multi-IFD pyramids down to one tile.
 *
 * <p>Made once into a folder and reused while {@link #VERSION} is unchanged (the fuzz tests use
 * target/fuzz/images). Also a main class for bench/soak.sh: {@code java -cp ... FuzzImages DIR}.
 */
public final class FuzzImages {
    /** Bump when the images change: a folder with another stamp is made again. */
    static final String VERSION = "fuzz-images 2";
    public static final List<String> NAMES =
            List.of("big.tif", "big_deflate.tif", "grey16.tif", "lab.tif", "dem_float.tif", "big.jp2");

    private FuzzImages() {
    }

    /** Makes the images in {@code dir} unless they are there already (same {@link #VERSION}). */
    public static synchronized Path ensure(Path dir) throws IOException {
        Path stamp = dir.resolve(".fuzz-images");
        if (Files.isRegularFile(stamp) && VERSION.equals(Files.readString(stamp, StandardCharsets.UTF_8).strip())
                && NAMES.stream().allMatch(n -> Files.isRegularFile(dir.resolve(n)))) {
            return dir;
        }
        Files.createDirectories(dir);
        Files.deleteIfExists(stamp);
        Path tmp = Files.createTempDirectory(dir, ".making-");
        long t0 = System.nanoTime();
        TiffWriter.builder().size(2048, 1536).tile(256, 256).channels(3).compression(TiffWriter.Compression.JPEG)
                .photometric(TiffWriter.Photometric.YCBCR_JPEG).jpegQuality(90).pixels(TestImages::rgb)
                .write(tmp.resolve("big.tif"));
        TiffWriter.builder().size(2048, 1536).tile(256, 256).channels(3).compression(TiffWriter.Compression.DEFLATE)
                .predictor(2).photometric(TiffWriter.Photometric.RGB).pixels(TestImages::rgb)
                .write(tmp.resolve("big_deflate.tif"));
        TiffWriter.builder().size(1024, 768).tile(256, 256).channels(1).bits(16)
                .photometric(TiffWriter.Photometric.MINISBLACK).compression(TiffWriter.Compression.DEFLATE)
                .pixels(TestImages::grey16).write(tmp.resolve("grey16.tif"));
        TiffWriter.builder().size(1024, 768).tile(256, 256).channels(3).photometric(TiffWriter.Photometric.CIELAB)
                .pixels(FuzzImages::lab).write(tmp.resolve("lab.tif"));
        TiffWriter.builder().size(768, 768).tile(256, 256).channels(1).bits(32).sampleType(SampleType.FLOAT)
                .photometric(TiffWriter.Photometric.MINISBLACK).compression(TiffWriter.Compression.DEFLATE)
                .predictor(3).pixels(TestImages::elevation).write(tmp.resolve("dem_float.tif"));
        Jp2Writer.builder().size(2048, 1536).channels(3).levels(5).rate(2.0).pixels(TestImages::rgb)
                .write(tmp.resolve("big.jp2"));
        for (String n : NAMES) {
            Files.move(tmp.resolve(n), dir.resolve(n), StandardCopyOption.REPLACE_EXISTING);
        }
        Files.delete(tmp);
        Files.writeString(stamp, VERSION + "\n", StandardCharsets.UTF_8);
        System.out.printf("fuzz images made in %s (%.1f s)%n", dir, (System.nanoTime() - t0) / 1e9);
        return dir;
    }

    /** CIELAB 8-bit: L from the RGB pattern's mean, a and b as signed bytes around 0. */
    static double lab(int x, int y, int c) {
        return switch (c) {
            case 0 -> TestImages.grey(x, y, 0);
            case 1 -> (int) (TestImages.rgb(x, y, 0) - 128) & 0xff;
            default -> (int) (TestImages.rgb(x, y, 2) - 128) & 0xff;
        };
    }

    /** Empties {@code dir} (made when missing). */
    static void resetFolder(Path dir) throws IOException {
        if (Files.isDirectory(dir)) {
            try (Stream<Path> s = Files.walk(dir)) {
                for (Path p : s.sorted(java.util.Comparator.reverseOrder()).toList()) {
                    if (!p.equals(dir)) {
                        Files.delete(p);
                    }
                }
            }
        }
        Files.createDirectories(dir);
    }

    public static void main(String[] args) throws IOException {
        ensure(Path.of(args.length > 0 ? args[0] : "target/fuzz/images").toAbsolutePath());
    }
}
