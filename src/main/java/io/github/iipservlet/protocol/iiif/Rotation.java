package io.github.iipservlet.protocol.iiif;

import io.github.iipservlet.CNumbers;

/**
 * The rotation parameter (docs/protocols.md 8.5.3): an optional {@code !} (mirror left-right, before rotating)
 * and an angle. Multiples of 90 are served; other angles from 0 to 360 are valid IIIF that we do
 * not offer (501); anything else is malformed (400).
 *
 * @param degrees clockwise rotation, 0, 90, 180 or 270
 * @param flip    as {@link io.github.iipservlet.process.Processing#flip()}: 0 none, 1 left-right, 2 top-bottom
 */
record Rotation(float degrees, int flip) {

    static Rotation parse(String text) throws IiifError {
        boolean mirror = text.startsWith("!");
        String angle = mirror ? text.substring(1) : text;
        if (!CNumbers.isWellFormed(angle, true)) {
            throw IiifError.bad("IIIF: invalid rotation");
        }
        double degrees = Double.parseDouble(angle.trim());
        if (degrees < 0 || degrees > 360 || Double.isNaN(degrees)) {
            throw IiifError.bad("IIIF: invalid rotation");
        }
        if (degrees == 360) {
            degrees = 0;
        }
        if (degrees != 0 && degrees != 90 && degrees != 180 && degrees != 270) {
            throw new IiifError(IiifError.NOT_IMPLEMENTED,
                    "IIIF: currently implemented rotation angles are 0, 90, 180 and 270 degrees");
        }
        // Mirroring then turning by 180 is a top-bottom flip, the pipeline's flip 2.
        if (mirror && degrees == 180) {
            return new Rotation(0f, 2);
        }
        return new Rotation((float) degrees, mirror ? 1 : 0);
    }
}
