package io.github.iipservlet.protocol.iip;

import io.github.iipservlet.image.ImageException;
import io.github.iipservlet.render.TooLargeToRender;

/** One IIP command (FIF, OBJ, JTL, ...): reads its argument and changes or answers the session. */
interface IipCommand {

    void run(IipSession session, String argument) throws ImageException, IipStop, TooLargeToRender;
}
