package io.github.iipservlet.protocol.iip;

/** INV (any value, or bare): invert (docs/protocols.md 3.13). */
final class Inv implements IipCommand {
    @Override
    public void run(IipSession session, String argument) {
        session.invert = true;
    }
}
