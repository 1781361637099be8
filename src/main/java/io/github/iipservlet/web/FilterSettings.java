package io.github.iipservlet.web;

import io.github.iipservlet.protocol.Services;
import jakarta.servlet.FilterConfig;
import java.util.function.Function;

/**
 * Where a filter finds its setting: the context's configuration when the listener runs, else the
 * filter's own init-param, else the context-param of the same name. So each filter also works on
 * its own in another webapp's web.xml.
 */
final class FilterSettings {
    private FilterSettings() {
    }

    static String read(FilterConfig filterConfig, String name, Function<Services, String> fromServices,
            String dflt) {
        Services services = Services.of(filterConfig.getServletContext());
        if (services != null) {
            return fromServices.apply(services);
        }
        String value = filterConfig.getInitParameter(name);
        if (value == null) {
            value = filterConfig.getServletContext().getInitParameter(name);
        }
        return value == null ? dflt : value;
    }
}
