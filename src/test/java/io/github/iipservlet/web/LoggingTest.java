package io.github.iipservlet.web;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.iipservlet.testsupport.Http;
import io.github.iipservlet.testsupport.TestServer;
import io.github.iipservlet.testsupport.TiffWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** VERBOSITY and LOGFILE as iipsrv: levels, a log file, one line per request at 2. */
class LoggingTest {
    @TempDir
    Path dir;

    private String logOf(int verbosity) throws Exception {
        TiffWriter.builder().size(300, 200).tile(256, 256).channels(3).pixels((x, y, c) -> x % 256)
                .write(dir.resolve("log.tif"));
        Path log = dir.resolve("iip-" + verbosity + ".log");
        try (TestServer s = TestServer.start(Map.of("FILESYSTEM_PREFIX", dir + "/", "VERBOSITY",
                Integer.toString(verbosity), "LOGFILE", log.toString()))) {
            assertEquals(200, Http.get(s.iipUrl() + "?FIF=log.tif&JTL=0,0").status());
        }
        return Files.exists(log) ? Files.readString(log) : "";
    }

    @Test
    void verbosityTwoLogsEachRequestWithItsTime() throws Exception {
        String log = logOf(2);
        assertTrue(log.contains("IipContextListener - iip-servlet/"), log);
        assertTrue(log.matches("(?s).*RequestLogFilter - GET /fcgi-bin/iipsrv\\.fcgi\\?FIF=log\\.tif&JTL=0,0 200 "
                + "\\d+\\.\\d ms.*"), log);
    }

    @Test
    void verbosityOneLogsStartAndStopButNoRequests() throws Exception {
        String log = logOf(1);
        assertTrue(log.contains(" starting; configuration: "), log);
        assertTrue(log.contains(" stopped"), log);
        assertFalse(log.contains("RequestLogFilter"), log);
    }

    @Test
    void verbosityZeroLogsNothing() throws Exception {
        assertEquals("", logOf(0));
    }
}
