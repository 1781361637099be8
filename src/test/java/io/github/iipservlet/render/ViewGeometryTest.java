package io.github.iipservlet.render;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.github.iipservlet.image.ColourSpace;
import io.github.iipservlet.image.ImageInfo;
import io.github.iipservlet.image.Level;
import io.github.iipservlet.image.SampleType;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The worked examples of docs/protocols.md 4.5 on the 1000x700 / 500x350 / 250x175 test image. */
class ViewGeometryTest {
    private static final ImageInfo INFO = new ImageInfo("tiff",
            List.of(new Level(1000, 700, 256, 256), new Level(500, 350, 256, 256), new Level(250, 175, 256, 256)), 3,
            8, SampleType.UNSIGNED_INT, ColourSpace.SRGB, new double[] {0, 0, 0}, new double[] {255, 255, 255},
            Map.of(), 0, 0, 0, null, 0);

    private static ViewGeometry.Placement place(double l, double t, double w, double h, int wid, int hei) {
        return ViewGeometry.place(INFO, l, t, w, h, wid, hei, true, true, 5000);
    }

    @Test
    void widthOnlyChoosesTheSmallestLevelThatIsLargeEnough() {
        ViewGeometry.Placement p = place(0, 0, 1, 1, 300, 0);
        assertEquals(300, p.outWidth());
        assertEquals(210, p.outHeight());
        assertEquals(1, p.level());
        assertEquals(500, p.width());
    }

    @Test
    void heightOnlyAndBoxFit() {
        ViewGeometry.Placement h = place(0, 0, 1, 1, 0, 100);
        assertEquals(143, h.outWidth());
        assertEquals(100, h.outHeight());
        ViewGeometry.Placement box = place(0, 0, 1, 1, 300, 300);
        assertEquals(300, box.outWidth());
        assertEquals(210, box.outHeight());
    }

    @Test
    void regionWithWidth() {
        ViewGeometry.Placement p = place(0.25, 0.25, 0.5, 0.5, 200, 0);
        assertEquals(200, p.outWidth());
        assertEquals(140, p.outHeight());
        assertEquals(1, p.level());
        assertEquals(125, p.x());
        assertEquals(88, p.y());
        assertEquals(250, p.width());
        assertEquals(175, p.height());
    }

    @Test
    void regionWithoutSizeIsOutputAtFullImageSizeFromTheFullLevel() {
        ViewGeometry.Placement p = place(0.5, 0.5, 0.6, 0.6, 0, 0);
        assertEquals(1000, p.outWidth());
        assertEquals(700, p.outHeight());
        assertEquals(0, p.level());
        assertEquals(500, p.width());
        assertEquals(350, p.height());
    }

    @Test
    void maxCvtAndUpscaling() {
        ViewGeometry.Placement big = place(0, 0, 1, 1, 6000, 0);
        assertEquals(5000, big.outWidth());
        assertEquals(3500, big.outHeight());
        ViewGeometry.Placement up = place(0, 0, 1, 1, 3000, 0);
        assertEquals(3000, up.outWidth());
        ViewGeometry.Placement noUp = ViewGeometry.place(INFO, 0, 0, 1, 1, 3000, 0, true, false, 5000);
        assertEquals(1000, noUp.outWidth());
        assertEquals(700, noUp.outHeight());
    }

    @Test
    void distortingSizeWhenAspectIsNotKept() {
        ViewGeometry.Placement p = ViewGeometry.place(INFO, 0, 0, 1, 1, 300, 300, false, true, 5000);
        assertEquals(300, p.outWidth());
        assertEquals(300, p.outHeight());
    }
}
