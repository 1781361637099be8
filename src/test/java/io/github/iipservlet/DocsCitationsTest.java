package io.github.iipservlet;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * Every citation of the documents in docs/ that the sources, scripts and configuration make names
 * a heading that exists, in the forms docs/README.md ("Citing these documents") defines:
 *
 * <ul>
 *   <li>protocols.md by section number, one or several ({@code 9.2, 9.4}, {@code 6 and 7}): a
 *       heading line {@code #... N <text>} must exist; a step ({@code 5.2 step 6}, {@code 5.2 steps
 *       5, 6 and 10}, {@code steps 3-11}) must be an item {@code 6.} of a numbered list between
 *       that heading and the next one;
 *   <li>decisions.md by {@code Decision N} or {@code Decisions N, M and K}: a heading
 *       {@code #... Decision N: <title>} must exist;
 *   <li>any other document (operations.md, architecture.md, ...) by the full text of a heading in
 *       double quotes, which must equal a heading's text; the document must exist.
 * </ul>
 *
 * <p>A citation may wrap across comment lines: each file is read as one text, its lines joined
 * with their leading white space and comment marks removed. A document named without a number or
 * a quoted heading after it is a reference to the whole document and is not checked.
 *
 * <p>The old citations of iipsrv's behavioural specification, a document kept outside the
 * repository ({@code spec 5.2}, {@code spec section 15 E}, {@code decision 7} without the file
 * name), fail the test too, so that they cannot come back.
 */
class DocsCitationsTest {
    /** What is scanned: the sources and the scripts and configuration that come with them. */
    static final List<Path> SCANNED = List.of(Path.of("src/main"), Path.of("src/test"), Path.of(".ci"),
            Path.of("bench"), Path.of("config"), Path.of("pom.xml"));
    /** This file: its examples are not citations. */
    static final Path SELF = Path.of("src/test/java/io/github/iipservlet/DocsCitationsTest.java");
    static final Path DOCS = Path.of("docs");

    private static final String NUMBER = "\\d+(?:\\.\\d+)*(?!\\w)(?!\\.\\d)";
    private static final Pattern CITED_FILE = Pattern.compile("docs/([A-Za-z0-9_-]+)\\.md");
    private static final String STEP = "(\\d+)(?!\\w)(?!\\.\\d)";
    private static final Pattern FIRST_SECTION = Pattern.compile(" (" + NUMBER + ")");
    private static final Pattern NEXT_SECTION = Pattern.compile("(?:, | and )(" + NUMBER + ")");
    private static final Pattern STEPS = Pattern.compile(" steps? " + STEP);
    private static final Pattern MORE_STEPS = Pattern.compile("(, | and |-| to )" + STEP);
    private static final Pattern SECTION_AFTER_STEP = Pattern.compile("(?:, | and )\\d+\\.\\d");
    private static final Pattern DECISIONS = Pattern.compile(" Decisions? (\\d+)(?!\\w)");
    private static final Pattern MORE_DECISIONS = Pattern.compile("(?:, | and )(\\d+)(?!\\w)");
    private static final Pattern QUOTED = Pattern.compile(" \"([^\"]*)\"");

    /** The forms that cited the external specification and its list of decisions. */
    private static final List<Pattern> OLD_FORMS = List.of(
            Pattern.compile("\\bspec(?:ification)?(?:'s)?\\s+(?:sections?\\s+|§\\s*|decisions?\\s+|steps?\\s+)?\\d",
                    Pattern.CASE_INSENSITIVE),
            Pattern.compile("\\bspec\\s+(?:section|§)", Pattern.CASE_INSENSITIVE),
            Pattern.compile("(?<!docs/decisions\\.md )\\bdecisions?\\s+\\d", Pattern.CASE_INSENSITIVE),
            Pattern.compile("iipsrv\\.md|shared/spec", Pattern.CASE_INSENSITIVE),
            Pattern.compile("\\bchecklist\\s+(?:[A-G]\\b|\\[|configuration)", Pattern.CASE_INSENSITIVE));

    private static final Pattern COMMENT_LEAD = Pattern.compile("^\\s*(?:/\\*\\*?|\\*+(?!/)|//+|#+|--|<!--)?\\s*");

    @Test
    void everyCitationNamesAHeadingThatExists() {
        List<String> problems = new ArrayList<>();
        int checked = 0;
        for (Path file : scannedFiles()) {
            Source source = Source.read(file);
            checked += citations(source, problems);
        }
        assertEquals(List.of(), problems, "citations of docs/ that name no heading (rules: docs/README.md)");
        assertTrue(checked > 100, "only " + checked + " citations found: is the working directory the project?");
    }

    @Test
    void noOldStyleCitationIsLeft() {
        List<String> problems = new ArrayList<>();
        for (Path file : scannedFiles()) {
            oldForms(Source.read(file), problems);
        }
        assertEquals(List.of(), problems, "citations of the external specification: cite docs/ instead");
    }

    /** The checks themselves fail where they should (the scan above only shows that they pass). */
    @Test
    void theChecksCatchWrongCitations() {
        String[] wrong = {
            "(docs/protocols.md 14)",
            "docs/protocols.md 5.2, 5.9 and 4.1",
            "(docs/protocols.md 5.2 step 14)",
            "docs/protocols.md 5.2 steps 12-14",
            "docs/protocols.md 4.5 step 1",
            "docs/protocols.md 5.2 step 4, 5.3",
            "docs/decisions.md Decision 99",
            "docs/decisions.md Decisions 2, 7 and 99",
            "docs/operations.md \"Heap sizing\"",
            "docs/operations.md \"No such heading\"",
            "docs/nothere.md \"Packages\"",
            "docs/protocols.md \"Request dispatch\"",
        };
        for (String text : wrong) {
            List<String> problems = new ArrayList<>();
            citations(Source.of(Path.of("example"), " * " + text + "\n"), problems);
            assertEquals(1, problems.size(), text + ": " + problems);
        }
        String[] right = {
            "(docs/protocols.md 5.2 step 6)",
            "docs/protocols.md 9.2, 9.4 and 8.1.5",
            "docs/protocols.md 5.2 steps 5, 6, 10 and 11; docs/protocols.md 5.2 steps 3-11.",
            "docs/protocols.md\n * 5.2 step 4, formulas of docs/protocols.md 5.3",
            "docs/decisions.md Decisions 3 and 13, docs/decisions.md\n * Decision 2",
            "docs/operations.md \"Heap sizing and the memory budget\"",
            "docs/operations.md \"Heap sizing\n * and the memory budget\"",
            "the test image of docs/protocols.md (a 1000x700 image)",
        };
        for (String text : right) {
            List<String> problems = new ArrayList<>();
            int n = citations(Source.of(Path.of("example"), " * " + text + "\n"), problems);
            assertEquals(List.of(), problems, text);
            assertTrue(n > 0 || text.contains("test image"), text);
        }
        String[] old = {"(spec 5.2 step 6)", "Spec 5.3's light vector", "spec section 15 E", "(decision 7)",
            "decisions 3 and 4", "spec\n * 9.4", "(spec decision 3)", "checklist G", "docs/protocols.md 3.10, Decision 5"};
        for (String text : old) {
            List<String> problems = new ArrayList<>();
            oldForms(Source.of(Path.of("example"), " * " + text + "\n"), problems);
            assertFalse(problems.isEmpty(), text);
        }
        List<String> none = new ArrayList<>();
        oldForms(Source.of(Path.of("example"), " * docs/decisions.md Decision 7, IIIF 3.0 section 4.1\n"), none);
        assertEquals(List.of(), none);
    }

    // ---- scanning ------------------------------------------------------------------------------

    static List<Path> scannedFiles() {
        List<Path> files = new ArrayList<>();
        for (Path root : SCANNED) {
            if (!Files.exists(root)) {
                continue;
            }
            try (Stream<Path> walk = Files.walk(root)) {
                walk.filter(Files::isRegularFile).filter(p -> !p.normalize().equals(SELF)).sorted()
                        .forEach(files::add);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return files;
    }

    /** Checks the citations of one file; returns how many sections, steps, decisions and headings it cites. */
    static int citations(Source source, List<String> problems) {
        int[] checked = {0};
        Matcher file = CITED_FILE.matcher(source.text);
        while (file.find()) {
            String name = file.group(1);
            List<String> found = new ArrayList<>();
            if (!name.equals("protocols") && !name.equals("decisions")) {
                Matcher q = at(QUOTED, source.text, file.end());
                if (q != null) {
                    checked[0]++;
                    Doc doc = Doc.of(name);
                    if (doc == null) {
                        found.add("docs/" + name + ".md does not exist");
                    } else if (!doc.headings.contains(q.group(1))) {
                        found.add("docs/" + name + ".md has no heading \"" + q.group(1) + "\"");
                    }
                }
            } else if (at(QUOTED, source.text, file.end()) != null) {
                found.add("docs/" + name + ".md is cited by number, not by heading text");
            } else if (name.equals("protocols")) {
                protocolCitation(source.text, file.end(), found, checked);
            } else {
                decisionCitation(source.text, file.end(), found, checked);
            }
            for (String f : found) {
                problems.add(source.where(file.start()) + ": " + f);
            }
        }
        return checked[0];
    }

    /** The match of {@code p} starting exactly at {@code pos}, or null. */
    private static Matcher at(Pattern p, String text, int pos) {
        Matcher m = p.matcher(text);
        m.region(pos, text.length());
        m.useTransparentBounds(true);
        m.useAnchoringBounds(false);
        return m.lookingAt() ? m : null;
    }

    /** Checks the section numbers and steps after "docs/protocols.md", which ends at {@code pos}. */
    private static void protocolCitation(String text, int pos, List<String> problems, int[] checked) {
        Doc doc = Doc.of("protocols");
        Matcher section = at(FIRST_SECTION, text, pos);
        if (section != null && doc == null) {
            problems.add("docs/protocols.md does not exist");
            return;
        }
        while (section != null) {
            checked[0]++;
            String number = section.group(1);
            pos = section.end();
            int[] span = doc.sections.get(number);
            if (span == null) {
                problems.add("docs/protocols.md has no section " + number);
            }
            Matcher steps = at(STEPS, text, pos);
            if (steps != null) {
                List<Integer> numbers = new ArrayList<>(List.of(Integer.parseInt(steps.group(1))));
                pos = steps.end();
                for (Matcher more = at(MORE_STEPS, text, pos); more != null; more = at(MORE_STEPS, text, pos)) {
                    int n = Integer.parseInt(more.group(2));
                    if (more.group(1).equals("-") || more.group(1).equals(" to ")) {
                        for (int k = numbers.get(numbers.size() - 1) + 1; k < n; k++) {
                            numbers.add(k);
                        }
                    }
                    numbers.add(n);
                    pos = more.end();
                }
                if (at(SECTION_AFTER_STEP, text, pos) != null) {
                    problems.add("a section after a step: write docs/protocols.md again before it");
                }
                for (int n : numbers) {
                    checked[0]++;
                    if (span != null && !doc.hasStep(span, n)) {
                        problems.add("docs/protocols.md " + number + " has no numbered step " + n);
                    }
                }
                return;
            }
            section = at(NEXT_SECTION, text, pos);
        }
    }

    /** Checks "Decision N" or "Decisions N, M and K" after "docs/decisions.md", which ends at {@code pos}. */
    private static void decisionCitation(String text, int pos, List<String> problems, int[] checked) {
        Matcher m = at(DECISIONS, text, pos);
        if (m == null) {
            return;
        }
        Doc doc = Doc.of("decisions");
        if (doc == null) {
            problems.add("docs/decisions.md does not exist");
            return;
        }
        List<String> numbers = new ArrayList<>(List.of(m.group(1)));
        pos = m.end();
        if (m.group().startsWith(" Decisions")) {
            for (Matcher more = at(MORE_DECISIONS, text, pos); more != null; more = at(MORE_DECISIONS, text, pos)) {
                numbers.add(more.group(1));
                pos = more.end();
            }
        }
        for (String n : numbers) {
            checked[0]++;
            if (!doc.decisions.contains(n)) {
                problems.add("docs/decisions.md has no Decision " + n);
            }
        }
    }

    static void oldForms(Source source, List<String> problems) {
        for (Pattern p : OLD_FORMS) {
            Matcher m = p.matcher(source.text);
            while (m.find()) {
                problems.add(source.where(m.start()) + ": old citation \"" + m.group()
                        + "\": cite docs/protocols.md or docs/decisions.md (docs/README.md)");
            }
        }
    }

    // ---- files ---------------------------------------------------------------------------------

    /** A scanned file as one text: lines joined by a space, without leading comment marks. */
    static final class Source {
        final Path file;
        final String text;
        final int[] lineStarts;

        private Source(Path file, String text, int[] lineStarts) {
            this.file = file;
            this.text = text;
            this.lineStarts = lineStarts;
        }

        static Source read(Path file) {
            try {
                byte[] bytes = Files.readAllBytes(file);
                for (byte b : bytes) {
                    if (b == 0) {
                        return of(file, ""); // binary: an image, nothing to cite
                    }
                }
                return of(file, new String(bytes, StandardCharsets.UTF_8));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }

        static Source of(Path file, String content) {
            String[] lines = content.split("\r?\n", -1);
            StringBuilder text = new StringBuilder();
            int[] starts = new int[lines.length];
            for (int i = 0; i < lines.length; i++) {
                if (i > 0) {
                    text.append(' ');
                }
                starts[i] = text.length();
                text.append(COMMENT_LEAD.matcher(lines[i]).replaceFirst("").stripTrailing());
            }
            return new Source(file, text.toString(), starts);
        }

        String where(int offset) {
            int i = Arrays.binarySearch(lineStarts, offset);
            int line = i >= 0 ? i + 1 : -i - 1;
            return file + ":" + line;
        }
    }

    /** A document in docs/: its numbered sections, its decisions and its heading texts. */
    static final class Doc {
        private static final Map<String, Doc> CACHE = new HashMap<>();
        private static final Pattern HEADING = Pattern.compile("^#+\\s+(.*?)\\s*#*\\s*$");
        private static final Pattern NUMBERED = Pattern.compile("^(\\d+(?:\\.\\d+)*) ");
        private static final Pattern DECISION = Pattern.compile("^Decision (\\d+):");

        final List<String> lines;
        final List<String> headings = new ArrayList<>();
        /** Section number to the lines [heading, next heading). */
        final Map<String, int[]> sections = new HashMap<>();
        final List<String> decisions = new ArrayList<>();
        private final boolean[] inCode;

        private Doc(List<String> lines) {
            this.lines = lines;
            inCode = new boolean[lines.size()];
            boolean fenced = false;
            List<Integer> headingLines = new ArrayList<>();
            for (int i = 0; i < lines.size(); i++) {
                String line = lines.get(i);
                if (line.stripLeading().startsWith("```")) {
                    fenced = !fenced;
                    inCode[i] = true;
                    continue;
                }
                inCode[i] = fenced;
                Matcher h = HEADING.matcher(line);
                if (!fenced && h.matches()) {
                    headingLines.add(i);
                    headings.add(h.group(1));
                }
            }
            for (int k = 0; k < headingLines.size(); k++) {
                int start = headingLines.get(k);
                int end = k + 1 < headingLines.size() ? headingLines.get(k + 1) : lines.size();
                String heading = headings.get(k);
                Matcher n = NUMBERED.matcher(heading);
                if (n.find()) {
                    sections.put(n.group(1), new int[] {start, end});
                }
                Matcher d = DECISION.matcher(heading);
                if (d.find()) {
                    decisions.add(d.group(1));
                }
            }
        }

        /** docs/NAME.md, or null when there is no such file. */
        static Doc of(String name) {
            return CACHE.computeIfAbsent(name, n -> {
                Path p = DOCS.resolve(n + ".md");
                try {
                    return Files.isRegularFile(p) ? new Doc(Files.readAllLines(p, StandardCharsets.UTF_8)) : null;
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            });
        }

        /** True when the section holds a numbered list item "n." before its next heading. */
        boolean hasStep(int[] span, int n) {
            Pattern item = Pattern.compile("^ {0,3}" + n + "\\.\\s");
            for (int i = span[0] + 1; i < span[1]; i++) {
                if (!inCode[i] && item.matcher(lines.get(i)).find()) {
                    return true;
                }
            }
            return false;
        }
    }
}
