package io.github.iipservlet.codec;

import com.kenai.jffi.MemoryIO;
import java.nio.charset.StandardCharsets;
import jnr.ffi.Pointer;
import jnr.ffi.Runtime;
import jnr.ffi.annotations.Out;
import jnr.ffi.types.size_t;

/**
 * AVIF encoding through the system libavif (Debian's {@code libavif15}, 0.11.1), when it is
 * installed, with the AV1 encoders it was built with (aom, rav1e, SVT-AV1). Everything native is
 * made and freed within each {@link #encode} call: the image, its planes (allocated by libavif
 * when it converts RGB to YUV), the encoder and the output; nothing outlives the request and
 * nothing is shared between threads (docs/architecture.md 3.2).
 *
 * <p>libavif has no accessors for the encoder's settings or the image's colour description, so
 * four fields are written at the offsets of libavif 0.11.1's {@code avif.h} on LP64 (checked with
 * {@code offsetof} against that header): {@code avifEncoder.codecChoice} 0, {@code maxThreads} 4,
 * {@code speed} 8, {@code minQuantizer} 24, {@code maxQuantizer} 28, {@code minQuantizerAlpha} 32,
 * {@code maxQuantizerAlpha} 36, {@code diag.error} 72; {@code avifImage.matrixCoefficients} 108;
 * {@code avifRGBImage} (56 bytes) {@code format} 12, {@code pixels} 40, {@code rowBytes} 48. The
 * library is used only when {@code avifVersion()} says 0.11, whose layout this is.
 */
public final class LibAvif {
    /** The part of libavif's C API we call. */
    public interface Lib {
        String avifVersion();

        void avifCodecVersions(@Out byte[] outBuffer256);

        String avifCodecName(int choice, int requiredFlags);

        String avifResultToString(int result);

        Pointer avifImageCreate(int width, int height, int depth, int yuvFormat);

        void avifImageDestroy(Pointer image);

        void avifImageSetProfileICC(Pointer image, byte[] icc, @size_t long size);

        void avifImageSetMetadataExif(Pointer image, byte[] exif, @size_t long size);

        void avifImageSetMetadataXMP(Pointer image, byte[] xmp, @size_t long size);

        void avifRGBImageSetDefaults(Pointer rgb, Pointer image);

        int avifImageRGBToYUV(Pointer image, Pointer rgb);

        Pointer avifEncoderCreate();

        int avifEncoderWrite(Pointer encoder, Pointer image, Pointer output);

        void avifEncoderDestroy(Pointer encoder);

        void avifRWDataFree(Pointer raw);
    }

    /** Set to pretend libavif is missing (tests of a server without AVIF output). */
    public static final String DISABLE_PROPERTY = "iipservlet.noavif";

    /** libavif's codec choices: iipsrv's AVIF_CODEC 1, 2, 3 are aom, rav1e and SVT-AV1. */
    public static final int CHOICE_AUTO = 0;
    private static final int[] CHOICES = {CHOICE_AUTO, 1, 4, 5};
    private static final int CAN_ENCODE = 2;

    private static final int YUV444 = 1;
    private static final int YUV420 = 3;
    private static final int YUV400 = 4;
    private static final int RGB = 0;
    private static final int RGBA = 1;
    private static final int MATRIX_IDENTITY = 0;
    private static final int RGB_IMAGE_BYTES = 56;

    static final Lib LIB = load();
    /** Only aom encodes losslessly: rav1e and SVT-AV1 at quantizer 0 are off by one here and there. */
    private static final boolean AOM_ENCODES = LIB != null && LIB.avifCodecName(CHOICES[1], CAN_ENCODE) != null;
    private static final MemoryIO MEMORY = MemoryIO.getInstance();

    private LibAvif() {
    }

    private static Lib load() {
        Lib lib = NativeLibraries.load(Lib.class, "avif", DISABLE_PROPERTY);
        if (lib == null) {
            return null;
        }
        try {
            String version = lib.avifVersion();
            if (version == null || !version.startsWith("0.11.")) {
                org.apache.logging.log4j.LogManager.getLogger(LibAvif.class)
                        .warn("libavif {} is not the 0.11 this binding was written for: AVIF output is off", version);
                return null;
            }
            return lib.avifCodecName(CHOICE_AUTO, CAN_ENCODE) == null ? null : lib;
        } catch (Throwable e) { // a library without these symbols
            org.apache.logging.log4j.LogManager.getLogger(LibAvif.class)
                    .warn("libavif does not work here ({}): AVIF output is off", e.toString());
            return null;
        }
    }

    /** True when libavif 0.11 with at least one AV1 encoder is installed (and not disabled). */
    public static boolean available() {
        return LIB != null && !Boolean.getBoolean(DISABLE_PROPERTY);
    }

    /** libavif's version and its codecs' ({@code 0.11.1 aom [enc/dec]:v3.6.0, ...}), or "none". */
    public static String versions() {
        if (LIB == null) {
            return "none";
        }
        byte[] b = new byte[256];
        LIB.avifCodecVersions(b);
        int n = 0;
        while (n < b.length && b[n] != 0) {
            n++;
        }
        return LIB.avifVersion() + " " + new String(b, 0, n, StandardCharsets.ISO_8859_1);
    }

    /**
     * The encoder libavif uses for iipsrv's AVIF_CODEC (0 auto, 1 aom, 2 rav1e, 3 svt), as libavif
     * names it, or null when that one is not built in (libavif then would fail: callers use auto).
     */
    public static String encoderName(int avifCodec) {
        if (LIB == null || avifCodec < 0 || avifCodec >= CHOICES.length) {
            return null;
        }
        return LIB.avifCodecName(CHOICES[avifCodec], CAN_ENCODE);
    }

    /**
     * An AVIF file of interleaved 8-bit samples: 1 grey, 2 grey+alpha, 3 RGB, 4 RGBA. Lossy colour
     * is 4:2:0 and grey 4:0:0 (monochrome); lossless ({@code quantizer} -1) is 4:4:4 with the
     * identity matrix (the RGB values themselves) and grey 4:0:0, so the pixels decode exactly.
     * Alpha is always lossless, libavif's default. Lossless images are encoded by aom, whatever
     * {@code avifCodec} says, when libavif has it: rav1e and SVT-AV1 are not lossless at quantizer 0.
     *
     * @param quantizer AV1 quantizer 0 (best) to 63, or -1 for lossless
     * @param avifCodec iipsrv's AVIF_CODEC (0 auto, 1 aom, 2 rav1e, 3 svt), already checked to exist
     * @param speed     libavif's speed, 0 (slowest) to 10
     * @param icc       profile to embed, or null; {@code exif} and {@code xmp} likewise
     */
    public static byte[] encode(byte[] pixels, int width, int height, int channels, int quantizer, int avifCodec,
            int speed, byte[] icc, byte[] exif, byte[] xmp) {
        if (LIB == null) {
            throw new IllegalStateException("libavif is not available");
        }
        boolean grey = channels <= 2;
        boolean alpha = channels == 2 || channels == 4;
        boolean lossless = quantizer < 0;
        int rgbChannels = alpha ? 4 : 3;
        // libavif converts RGB to its Y plane.
        byte[] rgb = grey ? GreySamples.toRgb(pixels, width * height, channels) : pixels;
        Runtime runtime = Runtime.getRuntime(LIB);
        Pointer image = LIB.avifImageCreate(width, height, 8, grey ? YUV400 : lossless ? YUV444 : YUV420);
        if (image == null) {
            throw new OutOfMemoryError("libavif could not make a " + width + "x" + height + " image");
        }
        Pointer encoder = null;
        // Our three blocks of native memory, malloc'd and freed here (never left to the collector).
        long bytes = (long) width * height * rgbChannels;
        long samples = MEMORY.allocateMemory(bytes, false);
        long rgbImage = MEMORY.allocateMemory(RGB_IMAGE_BYTES, true);
        long rwData = MEMORY.allocateMemory(16, true);
        Pointer output = Pointer.wrap(runtime, rwData, 16);
        try {
            if (samples == 0 || rgbImage == 0 || rwData == 0) {
                throw new OutOfMemoryError("no native memory for a " + width + "x" + height + " AVIF");
            }
            if (lossless && !grey) {
                image.putShort(108, (short) MATRIX_IDENTITY);
            }
            if (icc != null) {
                LIB.avifImageSetProfileICC(image, icc, icc.length);
            }
            if (exif != null) {
                LIB.avifImageSetMetadataExif(image, exif, exif.length);
            }
            if (xmp != null) {
                LIB.avifImageSetMetadataXMP(image, xmp, xmp.length);
            }
            MEMORY.putByteArray(samples, rgb, 0, Math.toIntExact(bytes));
            Pointer rgbStruct = Pointer.wrap(runtime, rgbImage, RGB_IMAGE_BYTES);
            LIB.avifRGBImageSetDefaults(rgbStruct, image);
            rgbStruct.putInt(12, alpha ? RGBA : RGB);
            rgbStruct.putAddress(40, samples);
            rgbStruct.putInt(48, width * rgbChannels);
            check(LIB.avifImageRGBToYUV(image, rgbStruct), null, "convert");

            encoder = LIB.avifEncoderCreate();
            if (encoder == null) {
                throw new OutOfMemoryError("libavif could not make an encoder");
            }
            encoder.putInt(0, lossless && AOM_ENCODES ? CHOICES[1] : CHOICES[avifCodec]);
            encoder.putInt(4, 1);
            encoder.putInt(8, speed);
            int q = lossless ? 0 : Math.min(63, quantizer);
            encoder.putInt(24, q);
            encoder.putInt(28, q);
            encoder.putInt(32, 0);
            encoder.putInt(36, 0);
            check(LIB.avifEncoderWrite(encoder, image, output), encoder, "encode");
            Pointer data = output.getPointer(0);
            long size = output.getLong(8);
            if (data == null || size <= 0 || size > Integer.MAX_VALUE) {
                throw new IllegalStateException("libavif wrote no data");
            }
            byte[] out = new byte[(int) size];
            data.get(0, out, 0, out.length);
            return out;
        } finally {
            if (rwData != 0 && output.getLong(0) != 0) {
                LIB.avifRWDataFree(output);
            }
            if (encoder != null) {
                LIB.avifEncoderDestroy(encoder);
            }
            LIB.avifImageDestroy(image);
            for (long a : new long[] {samples, rgbImage, rwData}) {
                if (a != 0) {
                    MEMORY.freeMemory(a);
                }
            }
        }
    }

    private static void check(int result, Pointer encoder, String what) {
        if (result != 0) {
            String detail = encoder == null ? "" : ": " + encoder.getString(72, 256, StandardCharsets.ISO_8859_1);
            throw new IllegalStateException("libavif could not " + what + " (" + LIB.avifResultToString(result)
                    + detail + ")");
        }
    }
}
