package io.github.iipservlet.image.jp2;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.github.iipservlet.image.PixelBlock;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** iipsrv's scaling of JPEG2000 sample precisions to 8 and 16 bits (docs/protocols.md 9.3). */
class Jp2SamplesTest {

    private static int[] eightBit(int precision, boolean signed, int... values) {
        Jp2Samples s = new Jp2Samples(precision, signed);
        PixelBlock b = s.allocate(values.length, 1, 1);
        s.putPlane(values, values.length, b, 0);
        int[] out = new int[values.length];
        for (int i = 0; i < out.length; i++) {
            out[i] = (int) b.sample(i);
        }
        return out;
    }

    @ParameterizedTest
    @CsvSource({"1,1,255", "2,1,85", "2,3,255", "4,1,17", "4,15,255", "8,200,200", "6,63,255", "6,32,130",
            "3,7,255", "3,4,146", "7,127,255", "5,16,132"})
    void lowPrecisionsFillTheEightBitRange(int precision, int value, int expected) {
        assertEquals(expected, eightBit(precision, false, value)[0]);
        assertEquals(0, eightBit(precision, false, 0)[0]);
    }

    @ParameterizedTest
    @CsvSource({"16,65535,65535", "16,1234,1234", "12,4095,65535", "12,2048,32776", "9,511,65535", "10,1,64"})
    void highPrecisionsFillTheSixteenBitRange(int precision, int value, int expected) {
        Jp2Samples s = new Jp2Samples(precision, false);
        PixelBlock b = s.allocate(1, 1, 1);
        s.putPlane(new int[] {value}, 1, b, 0);
        assertEquals(16, b.bitsPerSample);
        assertEquals(expected, (int) b.sample(0));
    }

    @Test
    void signedSamplesAreShiftedAndOutOfRangeOnesClamped() {
        int[] out = eightBit(8, true, -128, 0, 127, 300, -500);
        assertEquals(0, out[0]);
        assertEquals(128, out[1]);
        assertEquals(255, out[2]);
        assertEquals(255, out[3]);
        assertEquals(0, out[4]);
    }

    @Test
    void planesInterleave() {
        Jp2Samples s = new Jp2Samples(8, false);
        PixelBlock b = s.allocate(2, 1, 3);
        s.putPlane(new int[] {1, 2}, 2, b, 0);
        s.putPlane(new int[] {3, 4}, 2, b, 1);
        s.putPlane(new int[] {5, 6}, 2, b, 2);
        assertEquals(java.util.List.of(1, 3, 5, 2, 4, 6), java.util.stream.IntStream.range(0, 6)
                .mapToObj(i -> (int) b.sample(i)).toList());
    }
}
