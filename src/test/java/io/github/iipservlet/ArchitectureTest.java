package io.github.iipservlet;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.spi.ToolProvider;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The shape docs/architecture.md describes, kept so: the packages form layers, and every
 * dependency between them (as jdeps reads it from the compiled classes) goes down, so there is no
 * cycle; and no main class grows past 700 lines.
 */
class ArchitectureTest {
    /** Layers from the top (the web layer) to the bottom; a package may use only lower layers. */
    static final List<List<String>> LAYERS = List.of(
            List.of("web"),
            List.of("protocol.iip", "protocol.iiif", "protocol.deepzoom", "protocol.zoomify"),
            List.of("protocol"),
            List.of("render"),
            List.of("encode", "cache", "image.formats", "metrics"),
            List.of("process", "image.tiff", "image.jp2", "image.remote", "image.raster"),
            List.of("image"),
            List.of("codec", "parallel", "config", "access"),
            List.of(""));

    private static final String ROOT = "io.github.iipservlet";

    @Test
    void everyPackageDependencyGoesDownTheLayers() {
        Map<String, Integer> layer = new TreeMap<>();
        for (int i = 0; i < LAYERS.size(); i++) {
            for (String p : LAYERS.get(i)) {
                layer.put(p, i);
            }
        }
        List<String> wrong = new ArrayList<>();
        Map<String, TreeSet<String>> graph = packageGraph();
        for (Map.Entry<String, TreeSet<String>> e : graph.entrySet()) {
            Integer from = layer.get(e.getKey());
            if (from == null) {
                wrong.add("package '" + e.getKey() + "' is in no layer of ArchitectureTest.LAYERS");
                continue;
            }
            for (String to : e.getValue()) {
                Integer target = layer.get(to);
                if (target == null || target <= from) {
                    wrong.add(name(e.getKey()) + " -> " + name(to));
                }
            }
        }
        assertEquals(List.of(), wrong, "dependencies that do not go down: " + graph);
        assertTrue(graph.size() >= 15, "jdeps found only " + graph.keySet());
    }

    @Test
    void noMainClassIsLongerThan700Lines() throws IOException {
        List<String> long700 = new ArrayList<>();
        try (Stream<Path> files = Files.walk(Path.of("src/main/java"))) {
            for (Path f : files.filter(p -> p.toString().endsWith(".java")).toList()) {
                long lines = Files.readAllLines(f).size();
                if (lines >= 700) {
                    long700.add(f + ": " + lines);
                }
            }
        }
        assertEquals(List.of(), long700);
    }

    /** Package to the packages it uses, project packages only, relative to the root ("" is the root). */
    static Map<String, TreeSet<String>> packageGraph() {
        ToolProvider jdeps = ToolProvider.findFirst("jdeps").orElseThrow();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int rc = jdeps.run(new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8), "-verbose:package", "-filter:none", "-e",
                Pattern.quote(ROOT) + "(\\..*)?", "target/classes");
        assertEquals(0, rc, err.toString(StandardCharsets.UTF_8));
        Map<String, TreeSet<String>> graph = new TreeMap<>();
        Matcher m = Pattern.compile("^\\s+(" + Pattern.quote(ROOT) + "\\S*)\\s+->\\s+(" + Pattern.quote(ROOT)
                + "\\S*)", Pattern.MULTILINE).matcher(out.toString(StandardCharsets.UTF_8));
        while (m.find()) {
            String from = relative(m.group(1));
            String to = relative(m.group(2));
            graph.computeIfAbsent(from, k -> new TreeSet<>());
            if (!from.equals(to)) {
                graph.get(from).add(to);
            }
        }
        return graph;
    }

    private static String relative(String pkg) {
        return pkg.equals(ROOT) ? "" : pkg.substring(ROOT.length() + 1);
    }

    private static String name(String relative) {
        return relative.isEmpty() ? "(root)" : relative;
    }
}
