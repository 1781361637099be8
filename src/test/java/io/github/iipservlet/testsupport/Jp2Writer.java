package io.github.iipservlet.testsupport;

import com.github.jaiimageio.jpeg2000.J2KImageReadParam;
import com.github.jaiimageio.jpeg2000.J2KImageWriteParam;
import com.github.jaiimageio.jpeg2000.impl.J2KImageReader;
import com.github.jaiimageio.jpeg2000.impl.J2KImageReaderSpi;
import com.github.jaiimageio.jpeg2000.impl.J2KImageWriteParamJava;
import com.github.jaiimageio.jpeg2000.impl.J2KImageWriter;
import com.github.jaiimageio.jpeg2000.impl.J2KMetadata;
import com.github.jaiimageio.jpeg2000.impl.RenderedImageSrc;
import java.awt.Transparency;
import java.awt.color.ColorSpace;
import java.awt.image.BufferedImage;
import java.awt.image.ColorModel;
import java.awt.image.ComponentColorModel;
import java.awt.image.DataBuffer;
import java.awt.image.Raster;
import java.awt.image.WritableRaster;
import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import javax.imageio.IIOImage;
import javax.imageio.ImageWriteParam;
import javax.imageio.stream.FileImageInputStream;
import javax.imageio.stream.FileImageOutputStream;
import javax.imageio.stream.ImageInputStream;
import javax.imageio.stream.ImageOutputStream;
import jj2000.j2k.codestream.writer.FileCodestreamWriter;
import jj2000.j2k.codestream.writer.HeaderEncoder;
import jj2000.j2k.entropy.encoder.EntropyCoder;
import jj2000.j2k.entropy.encoder.PostCompRateAllocator;
import jj2000.j2k.fileformat.writer.FileFormatWriter;
import jj2000.j2k.image.ImgDataConverter;
import jj2000.j2k.image.Tiler;
import jj2000.j2k.image.forwcomptransf.ForwCompTransf;
import jj2000.j2k.quantization.quantizer.Quantizer;
import jj2000.j2k.roi.encoder.ROIScaler;
import jj2000.j2k.util.FacilityManager;
import jj2000.j2k.util.MsgLogger;
import jj2000.j2k.wavelet.analysis.ForwardWT;

/**
 * Writes JPEG2000 test files (a JP2 box file, or a raw J2K codestream) with jai-imageio's pure-Java
 * JJ2000 encoder: 1 or 3 channels of 1 to 16 bits, any number of DWT levels, lossless (5-3
 * wavelet) or lossy (9-7 at a bit rate), one codestream tile or explicit tiling, and a chosen
 * number of quality layers. Test-only: slow (about a second for 700x500 RGB), keep images small.
 *
 * <pre>
 * Jp2Writer.Written w = Jp2Writer.builder().size(700, 500).channels(3).levels(3).tiling(256, 256)
 *     .pixels(TestImages::rgb).write(dir.resolve("rgb.jp2"));
 * </pre>
 *
 * <p>Why not plain {@code J2KImageWriter.write}: it rebuilds its own {@link J2KImageWriteParamJava}
 * from the public {@link J2KImageWriteParam} and keeps the JJ2000 default layer plan ("0.015 +20
 * 2.0 +10": some 30 layers), which cannot be changed through the public parameter. A file with 30
 * layers is not lossless when a server decodes half of them (iipsrv's default), so this class runs
 * the same encoding chain as the writer (see its {@code write} method) with the layer plan set.
 * Everything else (tiling, levels, rate, codestream-only) goes through the public parameter as the
 * writer reads it.
 */
public final class Jp2Writer {
    private Jp2Writer() {
    }

    public static Builder builder() {
        return new Builder();
    }

    public static final class Builder {
        private int width = 700;
        private int height = 500;
        private int channels = 3;
        private int bits = 8;
        private int levels = 5;
        private double rate = Double.MAX_VALUE;
        private int tileWidth;
        private int tileHeight;
        private int layers = 1;
        private boolean codestreamOnly;
        private TiffWriter.PixelFunction pixels = TestImages::rgb;

        public Builder size(int w, int h) {
            width = w;
            height = h;
            return this;
        }

        /** 1 (grey) or 3 (RGB). */
        public Builder channels(int n) {
            if (n != 1 && n != 3) {
                throw new IllegalArgumentException("channels " + n);
            }
            channels = n;
            return this;
        }

        /** 1 to 16 bits per sample, unsigned (the codestream's precision; 9 to 16 are stored in shorts). */
        public Builder bits(int n) {
            if (n < 1 || n > 16) {
                throw new IllegalArgumentException("bits " + n);
            }
            bits = n;
            return this;
        }

        /** DWT decomposition levels: the codestream has {@code n + 1} resolutions. */
        public Builder levels(int n) {
            levels = n;
            return this;
        }

        /** Lossless: reversible 5-3 wavelet, no quantisation (the default). */
        public Builder lossless() {
            rate = Double.MAX_VALUE;
            return this;
        }

        /** Lossy: irreversible 9-7 wavelet, the whole codestream aimed at {@code bitsPerPixel}. */
        public Builder rate(double bitsPerPixel) {
            rate = bitsPerPixel;
            return this;
        }

        /** Codestream tiles of this size (the default is one tile, the whole image). */
        public Builder tiling(int w, int h) {
            tileWidth = w;
            tileHeight = h;
            return this;
        }

        /** One codestream tile, the whole image (the default). */
        public Builder untiled() {
            tileWidth = 0;
            tileHeight = 0;
            return this;
        }

        /**
         * Quality layers (default 1). The last layer always reaches the target (lossless or the
         * {@link #rate}); the earlier ones are aimed at rates halving from the last, so each layer
         * visibly adds detail. For a lossless file the earlier layers aim at 1/4, 1/2, 1... bits
         * per pixel.
         */
        public Builder layers(int n) {
            if (n < 1) {
                throw new IllegalArgumentException("layers " + n);
            }
            layers = n;
            return this;
        }

        /** True: a raw J2K codestream (no JP2 boxes), as iipsrv reads from .j2k files. */
        public Builder codestreamOnly(boolean b) {
            codestreamOnly = b;
            return this;
        }

        public Builder pixels(TiffWriter.PixelFunction f) {
            pixels = f;
            return this;
        }

        public Written write(Path out) throws IOException {
            return Jp2Writer.write(this, out);
        }
    }

    /** What was written: the exact source samples and the codestream's layout. */
    public static final class Written {
        private final Builder b;
        private final int[] samples;

        Written(Builder b, int[] samples) {
            this.b = b;
            this.samples = samples;
        }

        public int width() {
            return b.width;
        }

        public int height() {
            return b.height;
        }

        public int channels() {
            return b.channels;
        }

        public int bits() {
            return b.bits;
        }

        /** The largest sample value: 2^bits - 1. */
        public int maxValue() {
            return (1 << b.bits) - 1;
        }

        public boolean lossless() {
            return b.rate == Double.MAX_VALUE;
        }

        public int layers() {
            return b.layers;
        }

        /** Codestream resolutions: DWT levels + 1. */
        public int resolutions() {
            return b.levels + 1;
        }

        /** Width of resolution {@code k} below the full one: ceil(W / 2^k). */
        public int width(int k) {
            return -Math.floorDiv(-b.width, 1 << k);
        }

        public int height(int k) {
            return -Math.floorDiv(-b.height, 1 << k);
        }

        /** The source sample at full resolution (what a lossless file decodes to). */
        public int sample(int x, int y, int c) {
            return samples[(y * b.width + x) * b.channels + c];
        }
    }

    private static Written write(Builder b, Path out) throws IOException {
        BufferedImage img = image(b);
        int[] samples = img.getRaster().getPixels(0, 0, b.width, b.height, (int[]) null);

        J2KImageWriter writer = new J2KImageWriter(null);
        J2KImageWriteParam param = new J2KImageWriteParam();
        param.setNumDecompositionLevels(b.levels);
        if (b.rate == Double.MAX_VALUE) {
            param.setLossless(true);
        } else {
            param.setLossless(false);
            param.setFilter(J2KImageWriteParam.FILTER_97);
            param.setEncodingRate(b.rate);
        }
        if (b.tileWidth > 0) {
            param.setTilingMode(ImageWriteParam.MODE_EXPLICIT);
            param.setTiling(b.tileWidth, b.tileHeight, 0, 0);
        }
        param.setWriteCodeStreamOnly(b.codestreamOnly);

        IIOImage image = new IIOImage(img, null, null);
        // What J2KImageWriter.write makes of the public parameter, plus the layer plan.
        J2KImageWriteParamJava j2k = new J2KImageWriteParamJava(image, param);
        j2k.setLayers(layerPlan(b));
        if (j2k.getEncodingRate() == Double.MAX_VALUE) {
            j2k.setLossless(true);
            j2k.setQuantizationType("reversible");
            j2k.setFilters(J2KImageWriteParam.FILTER_53);
        }

        Thread me = Thread.currentThread();
        FacilityManager.registerMsgLogger(me, QUIET);
        File tmp = File.createTempFile("jp2writer-", ".j2k");
        try {
            encode(writer, img, param, j2k, tmp, out);
        } finally {
            FacilityManager.unregisterMsgLogger(me);
            Files.deleteIfExists(tmp.toPath());
        }
        return new Written(b, samples);
    }

    /** The JJ2000 "Alayers" option: {@code sl} is the target layer alone; rates add earlier layers. */
    private static String layerPlan(Builder b) {
        if (b.layers == 1) {
            return "sl";
        }
        List<String> rates = new ArrayList<>();
        for (int i = b.layers - 1; i >= 1; i--) {
            double r = b.rate == Double.MAX_VALUE ? 0.25 * (1 << (b.layers - 1 - i)) : b.rate / (1 << i);
            rates.add(String.format(Locale.ROOT, "%.4f", r));
        }
        return String.join(" ", rates);
    }

    /** The encoding chain of J2KImageWriter.write (jai-imageio-jpeg2000 1.4.0), minus abort handling. */
    private static void encode(J2KImageWriter writer, BufferedImage img, J2KImageWriteParam param,
            J2KImageWriteParamJava j2k, File tmp, Path out) throws IOException {
        RenderedImageSrc src = new RenderedImageSrc(img, j2k, writer);
        int nc = src.getNumComps();
        boolean[] signed = new boolean[nc];
        for (int c = 0; c < nc; c++) {
            signed[c] = src.isOrigSigned(c);
        }
        Tiler tiler = new Tiler(src, j2k.getMinX(), j2k.getMinY(), j2k.getTileGridXOffset(),
                j2k.getTileGridYOffset(), j2k.getTileWidth(), j2k.getTileHeight());
        ForwCompTransf fct = new ForwCompTransf(tiler, j2k);
        ImgDataConverter converter = new ImgDataConverter(fct);
        ForwardWT dwt = ForwardWT.createInstance(converter, j2k);
        Quantizer quant = Quantizer.createInstance(dwt, j2k);
        ROIScaler rois = ROIScaler.createInstance(quant, j2k);
        EntropyCoder coder = EntropyCoder.createInstance(rois, j2k, j2k.getCodeBlockSize(),
                j2k.getPrecinctPartition(), j2k.getBypass(), j2k.getResetMQ(), j2k.getTerminateOnByte(),
                j2k.getCausalCXInfo(), j2k.getCodeSegSymbol(), j2k.getMethodForMQLengthCalc(),
                j2k.getMethodForMQTermination());
        FileCodestreamWriter codestream = new FileCodestreamWriter(tmp, Integer.MAX_VALUE);
        PostCompRateAllocator alloc = PostCompRateAllocator.createInstance(coder, (float) j2k.getEncodingRate(),
                codestream, j2k);
        HeaderEncoder header = new HeaderEncoder(src, signed, dwt, tiler, j2k, rois, alloc);
        alloc.setHeaderEncoder(header);
        header.encodeMainHeader();
        alloc.initialize();
        header.reset();
        header.encodeMainHeader();
        codestream.commitBitstreamHeader(header);
        alloc.runAndWrite();
        codestream.close();
        int length = codestream.getLength();

        int[] bpc = new int[nc];
        for (int c = 0; c < nc; c++) {
            bpc[c] = src.getNomRangeBits(c);
        }
        ColorModel cm = img.getColorModel();
        J2KMetadata metadata = param.getWriteCodeStreamOnly() ? null
                : new J2KMetadata(cm, img.getSampleModel(), img.getWidth(), img.getHeight(), param, writer);
        Files.deleteIfExists(out);
        try (ImageOutputStream stream = new FileImageOutputStream(out.toFile())) {
            new FileFormatWriter(tmp, stream, img.getHeight(), img.getWidth(), nc, bpc, length, cm,
                    img.getSampleModel(), metadata).writeFileFormat();
        }
    }

    private static BufferedImage image(Builder b) {
        ColorSpace cs = ColorSpace.getInstance(b.channels == 1 ? ColorSpace.CS_GRAY : ColorSpace.CS_sRGB);
        int type = b.bits <= 8 ? DataBuffer.TYPE_BYTE : DataBuffer.TYPE_USHORT;
        int[] precision = new int[b.channels];
        java.util.Arrays.fill(precision, b.bits);
        // JJ2000 takes the codestream precision from the colour model's component sizes.
        ColorModel cm = new ComponentColorModel(cs, precision, false, false, Transparency.OPAQUE, type);
        WritableRaster raster = cm.createCompatibleWritableRaster(b.width, b.height);
        int max = (1 << b.bits) - 1;
        int[] row = new int[b.width * b.channels];
        for (int y = 0; y < b.height; y++) {
            for (int x = 0; x < b.width; x++) {
                for (int c = 0; c < b.channels; c++) {
                    long v = Math.round(b.pixels.sample(x, y, c));
                    row[x * b.channels + c] = (int) Math.max(0, Math.min(max, v));
                }
            }
            raster.setPixels(0, y, b.width, 1, row);
        }
        return new BufferedImage(cm, raster, false, null);
    }

    /** JJ2000 prints progress and warnings through its MsgLogger; the tests want none of it. */
    private static final MsgLogger QUIET = new MsgLogger() {
        @Override
        public void printmsg(int severity, String message) {
        }

        @Override
        public void println(String message, int firstLineIndent, int indent) {
        }

        @Override
        public void flush() {
        }
    };

    // ---- reading back what was written ---------------------------------------------------------

    /**
     * JJ2000's own decode of a file, {@code reduce} resolutions below the full one (0: full size):
     * the reference a server's pixels are compared with at the codestream's lower resolutions,
     * where a reversible (5-3) file decodes to the same integers in every conforming decoder.
     */
    public static Raster reference(Path file, int reduce) throws IOException {
        J2KImageReader reader = new J2KImageReader(new J2KImageReaderSpi());
        Thread me = Thread.currentThread();
        FacilityManager.registerMsgLogger(me, QUIET);
        try (ImageInputStream in = new FileImageInputStream(file.toFile())) {
            reader.setInput(in);
            J2KImageReadParam param = new J2KImageReadParam();
            // JJ2000 counts resolutions up from the smallest: the full one is the DWT level count.
            param.setResolution(header(file).resolutions() - 1 - reduce);
            return reader.read(0, param).getRaster();
        } finally {
            FacilityManager.unregisterMsgLogger(me);
            reader.dispose();
        }
    }

    // ---- the codestream header, without a JPEG2000 decoder -------------------------------------

    /** The main-header facts of a codestream (SIZ and COD markers). */
    public record Header(boolean jp2Boxes, int width, int height, int tileWidth, int tileHeight, int components,
            int bits, int layers, int resolutions) {
    }

    /**
     * Reads SIZ and COD from the main header of a .jp2 (inside its jp2c box) or .j2k file, so a
     * test can check the file has the tiling, layers and levels it was asked for (a writer that
     * ignored an option would otherwise make the test on it pass for the wrong reason).
     */
    public static Header header(Path file) throws IOException {
        byte[] d = Files.readAllBytes(file);
        boolean boxes = d.length > 12 && d[4] == 'j' && d[5] == 'P';
        int p = 0;
        if (boxes) {
            p = -1;
            int i = 0;
            while (i + 8 <= d.length) {
                long len = be32(d, i);
                String type = new String(d, i + 4, 4, java.nio.charset.StandardCharsets.ISO_8859_1);
                int headerLen = 8;
                if (len == 1) {
                    len = ((long) be32(d, i + 8) << 32) | (be32(d, i + 12) & 0xffffffffL);
                    headerLen = 16;
                } else if (len == 0) {
                    len = d.length - i;
                }
                if (type.equals("jp2c")) {
                    p = i + headerLen;
                    break;
                }
                i += (int) len;
            }
            if (p < 0) {
                throw new IOException("no jp2c box");
            }
        }
        if ((d[p] & 0xff) != 0xFF || (d[p + 1] & 0xff) != 0x4F) {
            throw new IOException("no SOC marker");
        }
        p += 2;
        int w = 0;
        int h = 0;
        int tw = 0;
        int th = 0;
        int comps = 0;
        int bits = 0;
        int layers = 0;
        int resolutions = 0;
        while (p + 4 <= d.length) {
            int marker = be16(d, p);
            int len = be16(d, p + 2);
            int s = p + 4;
            if (marker == 0xFF51) {
                w = be32(d, s + 2) - be32(d, s + 10);
                h = be32(d, s + 6) - be32(d, s + 14);
                tw = be32(d, s + 18);
                th = be32(d, s + 22);
                comps = be16(d, s + 34);
                bits = (d[s + 36] & 0x7f) + 1;
            } else if (marker == 0xFF52) {
                layers = be16(d, s + 2);
                resolutions = (d[s + 5] & 0xff) + 1;
            } else if (marker == 0xFF90) {
                break;
            }
            p += 2 + len;
        }
        return new Header(boxes, w, h, tw, th, comps, bits, layers, resolutions);
    }

    private static int be16(byte[] d, int i) {
        return ((d[i] & 0xff) << 8) | (d[i + 1] & 0xff);
    }

    private static int be32(byte[] d, int i) {
        return ((d[i] & 0xff) << 24) | ((d[i + 1] & 0xff) << 16) | ((d[i + 2] & 0xff) << 8) | (d[i + 3] & 0xff);
    }
}
