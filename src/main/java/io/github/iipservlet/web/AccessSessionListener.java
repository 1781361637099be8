package io.github.iipservlet.web;

import io.github.iipservlet.protocol.Services;
import jakarta.servlet.http.HttpSessionEvent;
import jakarta.servlet.http.HttpSessionListener;

/** Ends a session's IIIF access tokens with it: a token lives no longer than the login it stands for. */
public final class AccessSessionListener implements HttpSessionListener {
    @Override
    public void sessionDestroyed(HttpSessionEvent event) {
        Services services = Services.of(event.getSession().getServletContext());
        if (services != null) {
            services.tokens().endSession(event.getSession().getId());
        }
    }
}
