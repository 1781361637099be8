package io.github.iipservlet.protocol.iip;

import io.github.iipservlet.encode.Encoders;
import io.github.iipservlet.encode.OutputFormat;
import io.github.iipservlet.image.ImageException;
import io.github.iipservlet.image.OpenImage;
import io.github.iipservlet.process.Processing;
import io.github.iipservlet.protocol.ImageAccess;
import io.github.iipservlet.protocol.Services;
import io.github.iipservlet.render.TooLargeToRender;
import jakarta.servlet.http.HttpServletRequest;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The state of one IIP request while its commands run left to right: the open image, the view
 * and processing parameters set so far, and what the reply will hold. Request-scoped, never
 * shared. Commands mutate it; output commands append an {@link Output}.
 */
final class IipSession implements AutoCloseable {
    final Services services;
    final HttpServletRequest request;
    final String requestString;
    final boolean post;

    OpenImage image;
    /** An image of this request is one the access rules restrict: its reply is private. */
    boolean restricted;
    /** Every image this request opened: kept open until it ends, as a deferred output may read one. */
    private final List<OpenImage> opened = new ArrayList<>();

    // View parameters (docs/protocols.md 4), iipsrv's defaults.
    double regionLeft;
    double regionTop;
    double regionWidth = 1;
    double regionHeight = 1;
    int requestedWidth;
    int requestedHeight;
    float rotation;
    int flip;
    int horizontalAngle;
    int verticalAngle = 90;
    /** LYR, 0 when not given. */
    int layers;

    // Processing parameters.
    float contrast = 1f;
    float gamma = 1f;
    boolean invert;
    boolean equalise;
    Processing.Colormap colormap = Processing.Colormap.NONE;
    Processing.Colour colour = Processing.Colour.COLOUR;
    double[] minOverride;
    double[] maxOverride;
    Processing.Shade shade;
    final List<float[]> twist = new ArrayList<>();
    float[] kernel;

    // Encoding.
    OutputFormat format = OutputFormat.JPEG;
    /** QLT's value before each encoder clamps it (docs/protocols.md 3.7), or null when QLT was not given. */
    Integer requestedQuality;
    /** TIFF output compression: TIFF_COMPRESSION, or the one QLT's prefix named. */
    int tiffCompression;

    // The reply.
    final List<String> objectLines = new ArrayList<>();
    final List<String> errors = new ArrayList<>();
    String objectContentType = "application/vnd.netfpx";
    boolean iipHeader;
    Output output;

    /**
     * What an output command will send. Its body is made when the reply is written, so that of
     * several output commands in one request only the last, which is the one sent, is rendered.
     */
    record Output(String contentType, Body body, String contentDisposition, long lastModified) {
        /** An output whose body is already made. */
        static Output of(String contentType, byte[] bytes, long lastModified) {
            return new Output(contentType, () -> bytes, null, lastModified);
        }
    }

    /** Makes an output's bytes (renders them, usually). */
    interface Body {
        byte[] bytes() throws ImageException, TooLargeToRender, IipStop;
    }

    IipSession(Services services, HttpServletRequest request, String requestString, boolean post) {
        this.services = services;
        this.request = request;
        this.requestString = requestString;
        this.post = post;
        this.tiffCompression = services.config().tiffCompression;
    }

    /** The encoder setting for an output in this format (QLT or the configured default). */
    int quality(OutputFormat f) {
        return Encoders.quality(f, services.config(), requestedQuality, tiffCompression);
    }

    /**
     * The view of the open image that the SDS angles select (a stack page or a sequence file,
     * docs/protocols.md 9.4 and 9.5), or queues IIP error 1 3 with {@code argument} and returns null.
     */
    OpenImage requireView(String argument) throws ImageException {
        OpenImage base = requireImage(argument);
        return base == null ? null : base.view(horizontalAngle, verticalAngle);
    }

    /** The open image, or queues IIP error 1 3 with {@code argument} and returns null. */
    OpenImage requireImage(String argument) {
        if (image == null) {
            error("1 3", argument);
        }
        return image;
    }

    void openImage(String identifier) throws ImageException {
        image = null;
        OpenImage whole = services.images().open(identifier);
        opened.add(whole);
        ImageAccess.Decision decision = ImageAccess.decide(request, services, identifier);
        restricted |= decision.restricted();
        // A limited caller gets the image without its larger levels: OBJ and the resolutions describe that.
        image = ImageAccess.apply(whole, decision, true);
    }

    /** Queues {@code Error/L:code argument} (docs/protocols.md 2.5.2; without iipsrv's 31-character truncation). */
    void error(String code, String argument) {
        String text = code + " " + argument;
        errors.add("Error/" + text.length() + ":" + text);
    }

    boolean producedSomething() {
        return output != null || !objectLines.isEmpty() || !errors.isEmpty() || iipHeader;
    }

    /** MINMAX for one channel (or all when channel < 0), kept for the rest of the request. */
    void overrideMinMax(int channel, double min, double max) {
        int channels = image.info().channels;
        if (minOverride == null) {
            minOverride = new double[channels];
            maxOverride = new double[channels];
            Arrays.fill(minOverride, Double.NaN);
            Arrays.fill(maxOverride, Double.NaN);
        }
        for (int c = 0; c < channels; c++) {
            if (channel < 0 || c == channel) {
                minOverride[c] = min;
                maxOverride[c] = max;
            }
        }
    }

    double minValue(int channel) {
        return minOverride != null && !Double.isNaN(minOverride[channel]) ? minOverride[channel]
                : image.info().minValue(channel);
    }

    double maxValue(int channel) {
        return maxOverride != null && !Double.isNaN(maxOverride[channel]) ? maxOverride[channel]
                : image.info().maxValue(channel);
    }

    Processing processing() {
        return new Processing(contrast, gamma, invert, colormap, minOverride == null ? null : minOverride.clone(),
                maxOverride == null ? null : maxOverride.clone(), colour, rotation, flip, equalise, shade,
                twist.isEmpty() ? null : twist.toArray(new float[0][]), kernel == null ? null : kernel.clone());
    }

    @Override
    public void close() {
        for (OpenImage i : opened) {
            i.close();
        }
        opened.clear();
        image = null;
    }

    /** LYR for views of this image: only JPEG2000 has quality layers, so other images share cache entries. */
    int layersFor(OpenImage image) {
        return image.reader().hasQualityLayers() ? layers : 0;
    }
}
