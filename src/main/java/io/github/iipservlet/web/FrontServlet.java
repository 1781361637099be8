package io.github.iipservlet.web;

import io.github.iipservlet.protocol.Advert;
import io.github.iipservlet.protocol.HttpReplies;
import io.github.iipservlet.protocol.ParsedRequest;
import io.github.iipservlet.protocol.ProtocolRequests;
import jakarta.servlet.RequestDispatcher;
import jakarta.servlet.ServletException;
import jakarta.servlet.ServletOutputStream;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import jakarta.servlet.http.HttpServletResponseWrapper;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;

/**
 * iipsrv's FastCGI entry point as a servlet ({@code /fcgi-bin/iipsrv.fcgi}, {@code /iipsrv.fcgi}):
 * method checks, the request string from the raw query or a POST body, then the parsed commands
 * are handed to the protocol servlet by name. Never decodes or reorders the query
 * ({@code getParameter} would do both).
 */
public final class FrontServlet extends HttpServlet {
    /** The servlet-name of the IIP protocol servlet in web.xml. */
    static final String IIP_SERVLET = "iip";
    /** Bodies larger than this are not a request string. */
    private static final int MAX_BODY = 64 * 1024;

    @Override
    protected void service(HttpServletRequest request, HttpServletResponse response)
            throws ServletException, IOException {
        if (request.getAttribute(ProtocolRequests.MAPPED_ATTRIBUTE) instanceof String mapped) {
            // URI_MAP (UriMapFilter): the path is the request string, whatever the method.
            dispatch(request, response, ParsedRequest.parse(mapped, false));
            return;
        }
        // The method filter has let only GET, HEAD and POST through.
        boolean post = "POST".equals(request.getMethod());
        String requestString = request.getQueryString();
        if ((requestString == null || requestString.isEmpty()) && post) {
            requestString = readBody(request);
            if (requestString == null) {
                HttpReplies.text(response, HttpServletResponse.SC_REQUEST_ENTITY_TOO_LARGE,
                        "Request too large: a request string of at most " + MAX_BODY + " bytes");
                return;
            }
        }
        if (requestString == null || requestString.isEmpty()) {
            Advert.send(response);
            return;
        }
        dispatch(request, response, ParsedRequest.parse(requestString, post));
    }

    private void dispatch(HttpServletRequest request, HttpServletResponse response, ParsedRequest parsed)
            throws ServletException, IOException {
        request.setAttribute(ParsedRequest.ATTRIBUTE, parsed);
        RequestDispatcher protocol = getServletContext().getNamedDispatcher(protocolServlet(parsed));
        protocol.forward(request, new StreamOnlyResponse(response));
    }

    /**
     * The response as the protocol servlets get it through the forward. Undertow (WildFly) ends a
     * forward by closing the response through getWriter() first, and its getWriter() sets
     * ISO-8859-1 as the response's charset before it finds the output stream in use and throws:
     * the tile already written went out as "image/jpeg;charset=ISO-8859-1" (seen by -Pcontainers).
     * Here getWriter() fails first once the stream is in use, as the Servlet specification says,
     * without reaching the container's response.
     */
    private static final class StreamOnlyResponse extends HttpServletResponseWrapper {
        private boolean streamInUse;

        StreamOnlyResponse(HttpServletResponse response) {
            super(response);
        }

        @Override
        public ServletOutputStream getOutputStream() throws IOException {
            streamInUse = true;
            return super.getOutputStream();
        }

        @Override
        public PrintWriter getWriter() throws IOException {
            if (streamInUse) {
                throw new IllegalStateException("getOutputStream() has already been called");
            }
            return super.getWriter();
        }
    }

    /**
     * The protocol servlet for a request: IIIF, DeepZoom or Zoomify when the request is one of theirs
     * (iipsrv runs them as commands, and they are always the request's only one), else IIP.
     */
    static String protocolServlet(ParsedRequest parsed) {
        if (!parsed.commands().isEmpty()) {
            switch (parsed.commands().get(0).upperName()) {
                case "DEEPZOOM":
                    return "deepzoom";
                case "ZOOMIFY":
                    return "zoomify";
                case "IIIF":
                    return "iiif";
                default:
                    break;
            }
        }
        return IIP_SERVLET;
    }

    /**
     * The body as a request string, or null when it is longer than {@link #MAX_BODY}. The rest of
     * a long body is left to {@link MethodFilter}, which reads and drops it after the 413 so that
     * the client gets to read it.
     */
    private static String readBody(HttpServletRequest request) throws IOException {
        byte[] body = request.getInputStream().readNBytes(MAX_BODY + 1);
        return body.length <= MAX_BODY ? new String(body, StandardCharsets.ISO_8859_1).trim() : null;
    }
}
