package io.github.iipservlet.protocol.iip;

import io.github.iipservlet.image.ImageException;
import io.github.iipservlet.protocol.HttpReplies;
import io.github.iipservlet.protocol.PercentDecoding;

/** FIF: opens the image (docs/protocols.md 3.1); If-Modified-Since equal to its modification time ends with 304. */
final class Fif implements IipCommand {
    @Override
    public void run(IipSession session, String argument) throws ImageException, IipStop {
        session.openImage(PercentDecoding.decode(argument));
        // A restricted image's replies differ by caller: no 304 for somebody else's copy.
        if (!session.restricted && HttpReplies.notModified(session.request, session.image)) {
            throw new IipStop(IipStop.Reply.NOT_MODIFIED, "not modified");
        }
    }
}
