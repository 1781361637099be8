package io.github.iipservlet.image;

/**
 * One page of an image stack (docs/protocols.md 9.4): a multi-page TIFF whose pages carry NewSubfileType 2.
 * Multispectral stacks name each page by its wavelength, which SPECTRA and PFL report.
 *
 * @param name  the page's DocumentName, or "" when it has none
 * @param scale the page's STONITS value (sample to physical unit), 1 when absent
 */
public record StackItem(String name, double scale) {
}
