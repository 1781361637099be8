package io.github.iipservlet.protocol.iip;

import io.github.iipservlet.Version;
import io.github.iipservlet.image.ImageException;
import io.github.iipservlet.protocol.ErrorReplies;
import io.github.iipservlet.protocol.ImageAccess;
import io.github.iipservlet.protocol.HttpReplies;
import io.github.iipservlet.protocol.ParsedRequest;
import io.github.iipservlet.protocol.Services;
import io.github.iipservlet.render.TooLargeToRender;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;

/**
 * The IIP protocol: runs the parsed commands left to right against a request-scoped session, then
 * writes one reply (image, OBJ lines, IIP errors, 304, 404 or the banner page). The reply is built
 * completely before the first byte is sent, so an error never follows half an image.
 */
public final class IipServlet extends HttpServlet {
    private static final byte[] CRLF = {'\r', '\n'};
    private static final byte[] ERROR_PREAMBLE = ("Content-Disposition: inline;filename=\""
            + "IIPisAMadGameClosedToOurUnderstanding.netfpx\"\r\n\r\n").getBytes(StandardCharsets.US_ASCII);

    /** Commands one request may hold (ours; iipsrv has no limit). */
    static final int MAX_COMMANDS = 64;

    @Override
    protected void service(HttpServletRequest request, HttpServletResponse response) throws IOException {
        ParsedRequest parsed = (ParsedRequest) request.getAttribute(ParsedRequest.ATTRIBUTE);
        if (parsed == null) {
            String query = request.getQueryString();
            parsed = ParsedRequest.parse(query == null ? "" : query, "POST".equals(request.getMethod()));
        }
        if (parsed.commands().size() > MAX_COMMANDS) {
            // A 64 KB POST held about 1,800 commands; real IIP clients send a dozen at most.
            HttpReplies.text(response, HttpServletResponse.SC_BAD_REQUEST, "Too many commands: at most "
                    + MAX_COMMANDS + " in one request");
            return;
        }
        Services services = Services.of(getServletContext());
        try (IipSession session = new IipSession(services, request, parsed.requestString(), parsed.post())) {
            for (ParsedRequest.Command command : parsed.commands()) {
                IipCommand handler = CommandRegistry.get(command.upperName());
                if (handler == null) {
                    session.error("2 2", command.name());
                } else {
                    handler.run(session, command.value());
                }
            }
            if (!session.producedSomething()) {
                session.error("2 1", parsed.requestString());
            }
            ImageAccess.privateReply(response, session.restricted, services.config().cacheControl);
            reply(session, response);
        } catch (IipStop stop) {
            if (stop.reply == IipStop.Reply.NOT_MODIFIED) {
                HttpReplies.headerOnly(response, HttpServletResponse.SC_NOT_MODIFIED);
            } else {
                HttpReplies.text(response, HttpServletResponse.SC_BAD_REQUEST, stop.getMessage());
            }
        } catch (ImageException | TooLargeToRender | RuntimeException | Error e) {
            ErrorReplies.send(response, e, "IIP request '" + parsed.requestString() + "'");
        }
    }

    private static void reply(IipSession session, HttpServletResponse response)
            throws IOException, ImageException, TooLargeToRender, IipStop {
        if (session.output != null) {
            IipSession.Output out = session.output;
            if (out.contentDisposition() != null) {
                response.setHeader("Content-Disposition", out.contentDisposition());
            }
            HttpReplies.content(response, out.contentType(), out.body().bytes(), out.lastModified());
        } else if (!session.errors.isEmpty()) {
            response.setHeader("Server", Version.SERVER);
            response.setHeader("Cache-Control", "no-cache");
            ByteArrayOutputStream body = new ByteArrayOutputStream(128);
            body.writeBytes(ERROR_PREAMBLE);
            for (String line : session.errors) {
                body.writeBytes(line.getBytes(StandardCharsets.UTF_8));
                body.writeBytes(CRLF);
            }
            HttpReplies.body(response, "application/vnd.netfpx", body.toByteArray());
        } else {
            HttpReplies.identify(response);
            ByteArrayOutputStream body = new ByteArrayOutputStream(256);
            if (session.iipHeader) {
                response.setHeader("IIP", Version.IIP);
            }
            if (session.image != null) {
                response.setHeader("Last-Modified", HttpReplies.httpDate(session.image.info().lastModified));
            } else {
                // iipsrv's empty Last-Modified slot ends its headers early: what follows lands in the body.
                body.writeBytes(("Content-Type: " + session.objectContentType + "\r\n"
                        + (session.iipHeader ? "IIP:" + Version.IIP + "\r\n" : "") + "\r\n")
                        .getBytes(StandardCharsets.US_ASCII));
            }
            for (String line : session.objectLines) {
                body.writeBytes(line.getBytes(StandardCharsets.UTF_8));
                body.writeBytes(CRLF);
            }
            HttpReplies.body(response, session.objectContentType, body.toByteArray());
        }
    }
}
