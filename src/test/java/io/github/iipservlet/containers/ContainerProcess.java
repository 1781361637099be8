package io.github.iipservlet.containers;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * A container's server started as its own operating-system process (its start script or
 * {@code java -jar}), its output captured in a log file. Closing it stops the whole process tree:
 * SIGTERM first, so the container shuts down as it would in production, then SIGKILL.
 */
final class ContainerProcess implements AutoCloseable {
    private static final Duration STOP_TIMEOUT = Duration.ofSeconds(45);

    private final String name;
    private final Process process;
    private final Path log;

    private ContainerProcess(String name, Process process, Path log) {
        this.name = name;
        this.process = process;
        this.log = log;
    }

    static ContainerProcess start(String name, List<String> command, Path workDir, Map<String, String> env, Path log)
            throws IOException {
        Files.createDirectories(log.getParent());
        ProcessBuilder pb = new ProcessBuilder(command).directory(workDir.toFile()).redirectErrorStream(true)
                .redirectOutput(log.toFile()).redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
        pb.environment().putAll(env);
        return new ContainerProcess(name, pb.start(), log);
    }

    /** Runs a command to its end (a container's set-up or admin tool); its output goes to log. */
    static void run(List<String> command, Path workDir, Map<String, String> env, Path log, Duration timeout)
            throws IOException, InterruptedException {
        try (ContainerProcess p = start(command.get(command.size() - 1), command, workDir, env, log)) {
            if (!p.process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                throw new AssertionError(String.join(" ", command) + " did not end within " + timeout + "\n"
                        + p.logTail(40));
            }
            if (p.process.exitValue() != 0) {
                throw new AssertionError(String.join(" ", command) + " exited with " + p.process.exitValue() + "\n"
                        + p.logTail(40));
            }
        }
    }

    String name() {
        return name;
    }

    Path logFile() {
        return log;
    }

    /** Everything the container wrote so far. */
    String log() {
        try {
            return new String(Files.readAllBytes(log), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new AssertionError("cannot read " + log, e);
        }
    }

    /** What the container wrote after {@code mark} (a length of {@link #log()} taken earlier). */
    String logSince(int mark) {
        String all = log();
        return all.substring(Math.min(mark, all.length()));
    }

    String logTail(int lines) {
        List<String> all = log().lines().toList();
        return String.join("\n", all.subList(Math.max(0, all.size() - lines), all.size()));
    }

    /**
     * The container's JVM: the process itself, or the java its start script launched (WildFly's
     * standalone.sh keeps running beside it).
     */
    ProcessHandle jvm() {
        return Stream.concat(Stream.of(process.toHandle()), process.descendants())
                .filter(p -> p.info().command().map(c -> c.endsWith("/java")).orElse(false))
                .findFirst().orElseThrow(() -> new AssertionError(name + ": no java process"));
    }

    /** Polls {@code condition} every 200 ms until it holds; fails with the log's end after the timeout. */
    void await(String what, Duration timeout, BooleanSupplier condition) throws InterruptedException {
        long end = System.nanoTime() + timeout.toNanos();
        while (!condition.getAsBoolean()) {
            if (!process.isAlive()) {
                throw new AssertionError(name + " exited (" + process.exitValue() + ") while waiting for " + what
                        + "\n" + logTail(60));
            }
            if (System.nanoTime() > end) {
                throw new AssertionError(name + ": no " + what + " within " + timeout + "\n" + logTail(60));
            }
            Thread.sleep(200);
        }
    }

    /** Waits until the log contains {@code text}. */
    void awaitLog(String text, Duration timeout) throws InterruptedException {
        await("'" + text + "' in " + log, timeout, () -> log().contains(text));
    }

    /**
     * Classes still loaded in the container's JVM whose names start with one of {@code prefixes},
     * after a full collection ({@code jcmd GC.run}): a class stays loaded only while its class
     * loader is reachable, so after an undeploy any of the webapp's classes is a leaked loader.
     */
    List<String> loadedClasses(List<String> prefixes) throws IOException, InterruptedException {
        long pid = jvm().pid();
        jcmd(pid, "GC.run");
        return jcmd(pid, "VM.class_hierarchy").lines()
                .map(line -> line.replaceFirst("^[\\s|-]*", ""))
                .filter(line -> prefixes.stream().anyMatch(line::startsWith))
                .collect(Collectors.toList());
    }

    /**
     * Classes with live instances, after a full collection ({@code jcmd GC.class_histogram}),
     * whose names start with one of {@code prefixes} and end with {@code suffix}.
     */
    List<String> liveInstancesOf(List<String> prefixes, String suffix) throws IOException, InterruptedException {
        return jcmd(jvm().pid(), "GC.class_histogram").lines()
                .map(line -> line.trim().split("\\s+"))
                .filter(cols -> cols.length >= 4 && cols[0].endsWith(":"))
                .map(cols -> cols[3])
                .filter(cls -> cls.endsWith(suffix) && prefixes.stream().anyMatch(cls::startsWith))
                .collect(Collectors.toList());
    }

    /** Writes the container JVM's live objects to {@code file} (hprof), for finding what holds a leaked loader. */
    void heapDump(Path file) throws IOException, InterruptedException {
        Files.createDirectories(file.toAbsolutePath().getParent());
        Files.deleteIfExists(file);
        jcmd(jvm().pid(), "GC.heap_dump " + file.toAbsolutePath());
    }

    private static String jcmd(long pid, String command) throws IOException, InterruptedException {
        Path jcmd = Path.of(System.getProperty("java.home"), "bin", "jcmd");
        Process p = new ProcessBuilder(jcmd.toString(), Long.toString(pid), command).redirectErrorStream(true)
                .start();
        byte[] out = p.getInputStream().readAllBytes();
        if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
            p.destroyForcibly();
            throw new AssertionError("jcmd " + pid + " " + command + " failed: "
                    + new String(out, StandardCharsets.UTF_8));
        }
        return new String(out, StandardCharsets.UTF_8);
    }

    boolean isAlive() {
        return process.isAlive();
    }

    /** SIGTERM to every process of the tree, then SIGKILL to what is left after the timeout. */
    @Override
    public void close() throws InterruptedException {
        List<ProcessHandle> tree = new ArrayList<>(process.descendants().toList());
        tree.add(process.toHandle());
        tree.forEach(ProcessHandle::destroy);
        long end = System.nanoTime() + STOP_TIMEOUT.toNanos();
        for (ProcessHandle p : tree) {
            long left = Math.max(0, end - System.nanoTime());
            try {
                p.onExit().get(left, TimeUnit.NANOSECONDS);
            } catch (java.util.concurrent.TimeoutException | java.util.concurrent.ExecutionException e) {
                // Killed below.
            }
        }
        tree.stream().filter(ProcessHandle::isAlive).forEach(ProcessHandle::destroyForcibly);
        process.waitFor(10, TimeUnit.SECONDS);
    }

    /** Exit status once stopped (143 is a SIGTERM the JVM did not turn into an orderly exit). */
    int exitValue() {
        return process.exitValue();
    }
}
