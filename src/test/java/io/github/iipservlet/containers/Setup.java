package io.github.iipservlet.containers;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;

/**
 * What the containers profile passes to the tests (system properties set by failsafe in pom.xml),
 * and the file chores of preparing a container's base directory.
 */
final class Setup {
    private static final Set<Integer> HANDED_OUT = new HashSet<>();

    private Setup() {
    }

    static Path path(String property) {
        String value = System.getProperty(property);
        if (value == null) {
            throw new IllegalStateException(property + " is not set: run with mvn verify -Pcontainers");
        }
        return Path.of(value).toAbsolutePath();
    }

    /** The WAR that package built, deployed as it is. */
    static Path war() {
        return path("containers.war");
    }

    /** target/containers: the unpacked distributions (dist/) and each container's base. */
    static Path containersDir() {
        return path("containers.dir");
    }

    /** The project's config/ examples. */
    static Path example(String relative) {
        return path("containers.config").resolve(relative);
    }

    /**
     * A TCP port free on the loopback interface now, never the same twice in this JVM (a port
     * just closed would otherwise come back for the next server of the same container).
     */
    static synchronized int freePort() {
        for (int attempt = 0; attempt < 50; attempt++) {
            try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
                if (HANDED_OUT.add(s.getLocalPort())) {
                    return s.getLocalPort();
                }
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        throw new IllegalStateException("no free port");
    }

    /**
     * A config/ example with its sample values replaced by this run's: each key must occur in the
     * example, so an example that drifts from what the test expects fails here rather than
     * silently proving nothing.
     */
    static String filledExample(String relative, Map<String, String> replacements) throws IOException {
        String text = Files.readString(example(relative), StandardCharsets.UTF_8);
        for (Map.Entry<String, String> r : replacements.entrySet()) {
            if (!text.contains(r.getKey())) {
                throw new AssertionError("config/" + relative + " no longer contains " + r.getKey());
            }
            text = text.replace(r.getKey(), r.getValue());
        }
        return text;
    }

    /** Writes next to the target and renames, so a container scanning the folder never sees half a file. */
    static void writeAtomically(Path target, byte[] content) throws IOException {
        Files.createDirectories(target.getParent());
        Path tmp = target.resolveSibling("." + target.getFileName() + ".part");
        Files.write(tmp, content);
        Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    }

    static void copyAtomically(Path source, Path target) throws IOException {
        Files.createDirectories(target.getParent());
        Path tmp = target.resolveSibling("." + target.getFileName() + ".part");
        Files.copy(source, tmp, StandardCopyOption.REPLACE_EXISTING);
        Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    }

    static void copyTree(Path from, Path to) throws IOException {
        Files.walkFileTree(from, new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult preVisitDirectory(Path dir, BasicFileAttributes attrs) throws IOException {
                Files.createDirectories(to.resolve(from.relativize(dir).toString()));
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
                Files.copy(file, to.resolve(from.relativize(file).toString()), StandardCopyOption.REPLACE_EXISTING);
                return FileVisitResult.CONTINUE;
            }
        });
    }

    /** Removes a previous run's base directory. */
    static void deleteTree(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return;
        }
        Files.walkFileTree(dir, new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
                Files.delete(file);
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult postVisitDirectory(Path d, IOException e) throws IOException {
                Files.delete(d);
                return FileVisitResult.CONTINUE;
            }
        });
    }

    /** Replaces text in a copied configuration file, failing when the text is not there. */
    static void edit(Path file, String from, String to) throws IOException {
        String text = Files.readString(file, StandardCharsets.UTF_8);
        if (!text.contains(from)) {
            throw new AssertionError(file + " does not contain " + from);
        }
        Files.writeString(file, text.replace(from, to), StandardCharsets.UTF_8);
    }
}
