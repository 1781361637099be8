package io.github.iipservlet.image;

/** Colour space of the stored samples, as iipsrv reports it in OBJ=colorspace. */
public enum ColourSpace {
    SRGB,
    GREYSCALE,
    /** 1-bit images, served as 0/255 greyscale. */
    BINARY,
    /** Stored CIELAB; the pipeline converts to sRGB. */
    CIELAB
}
