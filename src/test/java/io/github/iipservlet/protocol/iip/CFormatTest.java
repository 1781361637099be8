package io.github.iipservlet.protocol.iip;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

class CFormatTest {

    @Test
    void percentGLikeC() {
        assertEquals("255", CFormat.g(255, 9));
        assertEquals("65535", CFormat.g(65535, 9));
        assertEquals("1", CFormat.g(1.0, 9));
        assertEquals("0.5", CFormat.g(0.5, 9));
        assertEquals("4.2949673e+09", CFormat.g(4294967295.0, 9));
        assertEquals("-12.25", CFormat.g(-12.25, 9));
        assertEquals("1e-05", CFormat.g(0.00001, 9));
        assertEquals("0", CFormat.g(0, 9));
    }

    @Test
    void percentF() {
        assertEquals("2834.000000", CFormat.f(2834));
    }
}
