package io.github.iipservlet.image;

/** How the bits of one sample are read (TIFF SampleFormat). */
public enum SampleType {
    UNSIGNED_INT,
    SIGNED_INT,
    FLOAT
}
