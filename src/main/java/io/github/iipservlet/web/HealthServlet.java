package io.github.iipservlet.web;

import io.github.iipservlet.Version;
import io.github.iipservlet.cache.TierStats;
import io.github.iipservlet.codec.NativeCodecs;
import io.github.iipservlet.image.raster.RasterCache;
import io.github.iipservlet.image.ImageSource;
import io.github.iipservlet.protocol.HttpReplies;
import io.github.iipservlet.protocol.JsonStrings;
import io.github.iipservlet.protocol.Services;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Locale;

/**
 * {@code /health}: whether the webapp serves, and what its caches do, as JSON for load balancers
 * and monitoring. "status" is "ok", or "degraded" while a configured memcached cannot be reached
 * (tiles are still served, rendered locally); HTTP 200 either way, 503 before the context is up.
 */
public final class HealthServlet extends HttpServlet {

    @Override
    protected void doGet(HttpServletRequest request, HttpServletResponse response) throws IOException {
        response.setHeader("Cache-Control", HttpReplies.NO_CACHE);
        Services services = Services.of(getServletContext());
        if (services == null) {
            HttpReplies.text(response, HttpServletResponse.SC_SERVICE_UNAVAILABLE, "starting");
            return;
        }
        List<TierStats> tiers = services.tiles().stats();
        boolean degraded = false;
        StringBuilder caches = new StringBuilder();
        for (TierStats t : tiers) {
            degraded |= !t.reachable();
            caches.append(caches.length() == 0 ? "" : ",").append("\n    {\"tier\":\"").append(t.tier())
                    .append("\",\"entries\":").append(t.entries()).append(",\"bytes\":").append(t.bytes())
                    .append(",\"hits\":").append(t.hits()).append(",\"misses\":").append(t.misses())
                    .append(",\"hitRatio\":").append(String.format(Locale.ROOT, "%.4f", t.hitRatio()))
                    .append(",\"reachable\":").append(t.reachable()).append('}');
        }
        ImageSource.Stats source = services.images().source().stats();
        degraded |= !source.reachable();
        String memcached = services.config().memcachedServers.trim();
        NativeCodecs.Stats codecs = services.codecs().stats();
        String raster = "null";
        if (getServletContext().getAttribute(RasterCache.class.getName()) instanceof RasterCache rc) {
            RasterCache.Stats r = rc.stats();
            raster = "{\"entries\":" + r.entries() + ",\"bytes\":" + r.bytes() + ",\"capacity\":" + r.capacity()
                    + ",\"hits\":" + r.hits() + ",\"misses\":" + r.misses() + ",\"decodes\":" + r.decodes() + "}";
        }
        String json = "{\n  \"status\":\"" + (degraded ? "degraded" : "ok") + "\",\n"
                + "  \"version\":\"" + JsonStrings.escape(Version.SERVER) + "\",\n"
                + "  \"outputFingerprint\":\"" + services.renderer().fingerprint().hex() + "\",\n"
                + "  \"uptimeSeconds\":" + (System.currentTimeMillis() - services.startedMillis()) / 1000 + ",\n"
                + "  \"jpeg2000Decoder\":\"" + JsonStrings.escape(services.jpeg2000Decoder()) + "\",\n"
                + "  \"renders\":" + services.renderer().renders() + ",\n"
                + "  \"abandonedRenders\":" + services.renderer().abandonedRenders() + ",\n"
                + "  \"openImages\":" + services.images().size() + ",\n"
                + "  \"imageSource\":{\"kind\":\"" + source.kind() + "\",\"gets\":" + source.gets() + ",\"heads\":"
                + source.heads() + ",\"failures\":" + source.failures() + ",\"reachable\":" + source.reachable()
                + "},\n"
                + "  \"nativeCodecs\":{\"handles\":" + codecs.handles() + ",\"buffers\":" + codecs.buffers()
                + ",\"bytes\":" + codecs.bytes() + "},\n"
                + "  \"memcached\":" + (memcached.isEmpty() ? "null" : "\"" + JsonStrings.escape(memcached) + "\"")
                + ",\n  \"caches\":[" + caches + (caches.length() == 0 ? "" : "\n  ") + "],\n"
                + "  \"rasterCache\":" + raster + "\n}\n";
        HttpReplies.body(response, "application/json", json.getBytes(StandardCharsets.UTF_8));
    }
}
