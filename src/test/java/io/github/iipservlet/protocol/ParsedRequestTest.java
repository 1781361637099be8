package io.github.iipservlet.protocol;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import org.junit.jupiter.api.Test;

class ParsedRequestTest {

    private static List<String> tokens(String query) {
        return ParsedRequest.parse(query, false).commands().stream().map(c -> c.name() + "=" + c.value()).toList();
    }

    @Test
    void splitsLeftToRightSkippingEmptyTokensAndPairs() {
        assertEquals(List.of("FIF=a.tif", "JTL=0,0"), tokens("FIF=a.tif&&JTL=0,0"));
        assertEquals(List.of("INV=INV", "z=z"), tokens("INV&=x&y=&CVT=&z"));
        assertEquals(List.of("FIF=a=b"), tokens("FIF=a=b"));
    }

    @Test
    void namesMatchCaseInsensitively() {
        assertEquals("FIF", ParsedRequest.parse("fIf=x", false).commands().get(0).upperName());
    }

    @Test
    void percentDecodingFollowsIipsrvButKeepsNulVisible() {
        assertEquals("a b/c", PercentDecoding.decode("a+b%2fc"));
        assertEquals("100%zz", PercentDecoding.decode("100%zz"));
        assertEquals("x\0y", PercentDecoding.decode("x%00y"));
        assertEquals("../x", PercentDecoding.decode("%2e%2e%2Fx"));
    }
}
