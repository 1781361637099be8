package io.github.iipservlet.fuzz;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Failures collected over a whole run, grouped by symptom, so that one run shows everything: each
 * group keeps its count and its first few examples (the exact request and what came back).
 */
final class FailureLog {
    private static final class Group {
        final String symptom;
        int count;
        final List<String> examples = new ArrayList<>();
        final Map<String, Integer> tags = new java.util.TreeMap<>();

        Group(String symptom) {
            this.symptom = symptom;
        }
    }

    private final int examplesPerGroup;
    private final Map<String, Group> groups = new LinkedHashMap<>();
    private final List<String> all = new ArrayList<>();
    private int total;

    FailureLog(int examplesPerGroup) {
        this.examplesPerGroup = examplesPerGroup;
    }

    /** One failure: its symptom (the group) and an example (request and evidence, several lines allowed). */
    synchronized void add(String symptom, String example) {
        add(symptom, null, example);
    }

    /**
     * One failure with a tag counted per group (e.g. the kind of damaged file); true when it was
     * kept as one of the group's examples.
     */
    synchronized boolean add(String symptom, String tag, String example) {
        Group g = groups.computeIfAbsent(symptom, Group::new);
        g.count++;
        total++;
        if (tag != null) {
            g.tags.merge(tag, 1, Integer::sum);
        }
        if (all.size() < 200_000) {
            all.add(symptom + "\n    " + example.replace("\n", "\n    "));
        }
        if (g.examples.size() < examplesPerGroup) {
            g.examples.add(example);
            return true;
        }
        return false;
    }

    synchronized int total() {
        return total;
    }

    synchronized int groupCount() {
        return groups.size();
    }

    /** The report: groups by falling count, each with its examples. */
    synchronized String report(String title) {
        StringBuilder b = new StringBuilder();
        b.append(title).append(": ").append(total).append(" failure(s) in ").append(groups.size())
                .append(" group(s)\n");
        List<Group> sorted = new ArrayList<>(groups.values());
        sorted.sort(Comparator.comparingInt((Group g) -> -g.count).thenComparing(g -> g.symptom));
        int i = 0;
        for (Group g : sorted) {
            b.append("\n[").append(++i).append("] ").append(g.count).append(" x ").append(g.symptom)
                    .append(g.tags.isEmpty() ? "" : "  " + g.tags).append('\n');
            for (String e : g.examples) {
                b.append("    - ").append(e.replace("\n", "\n      ")).append('\n');
            }
        }
        return b.toString();
    }

    /** Writes the report to {@code file} and every failure (up to 200,000) to {@code file}-all.txt. */
    synchronized void write(Path file, String title, String preamble) throws IOException {
        Files.createDirectories(file.getParent());
        Files.writeString(file, preamble + "\n" + report(title), StandardCharsets.UTF_8);
        String name = file.getFileName().toString().replaceFirst("\\.txt$", "");
        Files.write(file.resolveSibling(name + "-all.txt"), all, StandardCharsets.UTF_8);
    }
}
