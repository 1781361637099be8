package io.github.iipservlet.protocol;

import io.github.iipservlet.Version;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.nio.charset.StandardCharsets;

/**
 * iipsrv's banner page, with a 200: the reply to a request that asks for nothing. iipsrv also
 * sends it for its "generic failures"; here those have their real status (ErrorReplies).
 */
public final class Advert {
    private static final byte[] PAGE = ("<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"/>"
            + "<title>IIPImage Server</title><meta name=\"DC.creator\" content=\"iip-servlet\"/></head><body>"
            + "<h1>IIPImage Server</h1><h2>" + Version.SERVER + "</h2>"
            + "<p>An IIP, IIIF, DeepZoom and Zoomify image server compatible with "
            + "<a href=\"https://iipimage.sourceforge.io\">IIPImage</a>.</p></body></html>")
            .getBytes(StandardCharsets.UTF_8);

    private Advert() {
    }

    public static void send(HttpServletResponse response) throws IOException {
        response.resetBuffer();
        response.setStatus(HttpServletResponse.SC_OK);
        response.setHeader("Server", Version.SERVER);
        response.setHeader("Content-Disposition", "inline;filename=\"iipsrv.html\"");
        response.setHeader("Cache-Control", HttpReplies.NO_CACHE);
        HttpReplies.body(response, "text/html", PAGE);
    }
}
