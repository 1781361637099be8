package io.github.iipservlet;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

class CNumbersTest {

    @Test
    void atoiParsesTheLongestPrefix() {
        assertEquals(300, CNumbers.atoi("300px"));
        assertEquals(0, CNumbers.atoi("abc"));
        assertEquals(-5, CNumbers.atoi("  -5,2"));
        assertEquals(0, CNumbers.atoi(""));
    }

    @Test
    void atofParsesTheLongestPrefix() {
        assertEquals(1.5, CNumbers.atof("1.5x"));
        assertEquals(0.25, CNumbers.atof(".25"));
        assertEquals(1e3, CNumbers.atof("1e3,"));
        assertEquals(2.0, CNumbers.atof("2e"));
        assertEquals(0.0, CNumbers.atof("-"));
    }
}
