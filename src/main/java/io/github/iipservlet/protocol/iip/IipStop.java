package io.github.iipservlet.protocol.iip;

/**
 * Ends a request before its remaining commands run, with a reply other than the normal one: 304
 * Not Modified, or a 400 whose text is the message (iipsrv's invalid_argument, docs/protocols.md 2.4; also what
 * iipsrv answered with its banner page, which hid the failure behind a 200).
 */
final class IipStop extends Exception {
    enum Reply { NOT_MODIFIED, BAD_REQUEST }

    final Reply reply;

    IipStop(Reply reply, String why) {
        super(why, null, false, false);
        this.reply = reply;
    }
}
