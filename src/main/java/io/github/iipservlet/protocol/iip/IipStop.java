package io.github.iipservlet.protocol.iip;

/**
 * Ends a request before its remaining commands run, with a reply other than the normal one: 304
 * Not Modified, or iipsrv's generic failure (the banner page).
 */
final class IipStop extends Exception {
    enum Reply { NOT_MODIFIED, GENERIC_FAILURE }

    final Reply reply;

    IipStop(Reply reply, String why) {
        super(why, null, false, false);
        this.reply = reply;
    }
}
