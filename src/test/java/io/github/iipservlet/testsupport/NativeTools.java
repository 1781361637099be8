package io.github.iipservlet.testsupport;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Independent decoders outside the JVM, for formats ImageIO cannot read: libavif's {@code avifdec}
 * (package libavif-bin) and {@code vips} (libvips-tools). Each decodes to PNG, read back with the
 * JDK's PNG reader. Tests skip with an assumption where a tool is missing ({@link #has}).
 */
public final class NativeTools {
    private NativeTools() {
    }

    /** True when the command runs here ({@code avifdec --version}, {@code vips --version}). */
    public static boolean has(String tool) {
        try {
            return run(List.of(tool, "--version"), 30).exit == 0;
        } catch (IOException e) {
            return false;
        }
    }

    /**
     * The decoded image of an AVIF file, by avifdec, its samples as they are: the profile is left
     * out of the PNG (the JDK's PNG reader converts some profiles' samples); {@link #avifInfo} tells
     * whether there is one.
     */
    public static BufferedImage avifdec(byte[] avif) throws IOException {
        return throughPng(avif, "avif", (in, out) -> List.of("avifdec", "--ignore-icc", in.toString(),
                out.toString()));
    }

    /** avifdec's {@code --info} text of an AVIF file (format, ICC, XMP and Exif sizes). */
    public static String avifInfo(byte[] avif) throws IOException {
        Path in = Files.createTempFile("iip-", ".avif");
        try {
            Files.write(in, avif);
            Result r = run(List.of("avifdec", "--info", in.toString()), 60);
            if (r.exit != 0) {
                throw new IOException("avifdec --info failed: " + r.output);
            }
            return r.output;
        } finally {
            Files.deleteIfExists(in);
        }
    }

    /** The decoded image of any file vips reads (for TIFF with WebP or Zstd compression). */
    public static BufferedImage vips(byte[] file, String suffix) throws IOException {
        return throughPng(file, suffix, (in, out) -> List.of("vips", "copy", in.toString(), out.toString()));
    }

    /** vips' {@code header -a} text of a file (its fields, one a line). */
    public static String vipsHeader(byte[] file, String suffix) throws IOException {
        Path in = Files.createTempFile("iip-", "." + suffix);
        try {
            Files.write(in, file);
            Result r = run(List.of("vipsheader", "-a", in.toString()), 60);
            if (r.exit != 0) {
                throw new IOException("vipsheader failed: " + r.output);
            }
            return r.output;
        } finally {
            Files.deleteIfExists(in);
        }
    }

    private interface Command {
        List<String> of(Path in, Path out);
    }

    private static BufferedImage throughPng(byte[] file, String suffix, Command command) throws IOException {
        Path in = Files.createTempFile("iip-", "." + suffix);
        Path out = Files.createTempFile("iip-", ".png");
        try {
            Files.write(in, file);
            Result r = run(command.of(in, out), 120);
            if (r.exit != 0) {
                throw new IOException(command.of(in, out) + " failed: " + r.output);
            }
            return Chunks.decode(Files.readAllBytes(out), Chunks.JDK_PNG);
        } catch (IOException e) {
            throw e;
        } catch (Exception e) {
            throw new IOException(e);
        } finally {
            Files.deleteIfExists(in);
            Files.deleteIfExists(out);
        }
    }

    private record Result(int exit, String output) {
    }

    private static Result run(List<String> command, int seconds) throws IOException {
        Process p = new ProcessBuilder(new ArrayList<>(command)).redirectErrorStream(true).start();
        try {
            byte[] out = p.getInputStream().readAllBytes();
            if (!p.waitFor(seconds, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new IOException(command + " timed out");
            }
            return new Result(p.exitValue(), new String(out, StandardCharsets.UTF_8));
        } catch (InterruptedException e) {
            p.destroyForcibly();
            Thread.currentThread().interrupt();
            throw new IOException(e);
        }
    }
}
