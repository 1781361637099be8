package io.github.iipservlet.protocol.iip;

/** ICC: accepted and ignored, as iipsrv does (docs/protocols.md 3.21). */
final class Icc implements IipCommand {
    @Override
    public void run(IipSession session, String argument) {
    }
}
