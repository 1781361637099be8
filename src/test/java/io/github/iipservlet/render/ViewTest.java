package io.github.iipservlet.render;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.github.iipservlet.encode.OutputFormat;
import io.github.iipservlet.process.Processing;
import org.junit.jupiter.api.Test;

/** A view no image can have is refused where it is made, not found deep in the renderer. */
class ViewTest {

    @Test
    void impossibleViewsAreRefused() {
        Processing p = Processing.NONE;
        OutputFormat f = OutputFormat.JPEG;
        assertThrows(IllegalArgumentException.class, () -> View.region("i", 0, 0, 0, -256, 10, 10, 10, p, f, 75));
        assertThrows(IllegalArgumentException.class, () -> View.region("i", 0, -1, 0, 10, 10, 10, 10, p, f, 75));
        assertThrows(IllegalArgumentException.class, () -> View.region("i", 0, 0, 0, 10, 10, 0, 10, p, f, 75));
        assertThrows(IllegalArgumentException.class,
                () -> View.region("i", 0, Integer.MAX_VALUE - 5, 0, 10, 10, 10, 10, p, f, 75));
        assertThrows(IllegalArgumentException.class, () -> View.region("i", -1, 0, 0, 10, 10, 10, 10, p, f, 75));
        assertThrows(IllegalArgumentException.class, () -> View.tile("i", 0, -2, p, f, 75));
        assertThrows(IllegalArgumentException.class, () -> View.tile(null, 0, 0, p, f, 75));
        assertThrows(IllegalArgumentException.class, () -> View.tile("i", 0, 0, null, f, 75));
        assertThrows(IllegalArgumentException.class,
                () -> new View("i", 0, 3, 5, 0, 0, 0, 0, 0, p, f, 75, 0));
        assertEquals(3, View.tile("i", 2, 3, p, f, 75).withLayers(-1).tile());
        assertEquals(10, View.region("i", 0, 0, 0, 10, 10, 10, 10, p, f, 75).width());
    }
}
