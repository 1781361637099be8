package io.github.iipservlet.testsupport;

import io.github.iipservlet.codec.NativeCodecs;

/** One set of native codecs for the tests that use readers and encoders directly, outside a webapp. */
public final class TestCodecs {
    /** Shared by those tests for the life of the test JVM (a webapp closes its own at undeploy). */
    public static final NativeCodecs SHARED = new NativeCodecs();

    private TestCodecs() {
    }
}
