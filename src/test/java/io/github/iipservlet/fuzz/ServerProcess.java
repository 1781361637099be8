package io.github.iipservlet.fuzz;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Our webapp in a JVM of its own ({@code TestServer}'s main, on the test class path), so that a
 * native crash (libjpeg-turbo, libdeflate, OpenJPEG) or a poisoned native pool is the server's
 * problem, not the test's: the fuzz tests see it die or go wrong, report it, and start a fresh one.
 * Output goes to {@code target/fuzz/<name>-server-<n>.log}, one file per start.
 */
final class ServerProcess implements AutoCloseable {
    private static final Pattern LISTENING = Pattern.compile("listening http://127\\.0\\.0\\.1:(\\d+)/");

    private final String name;
    private final Path logDir;
    private final List<String> jvmOptions;
    private final Map<String, String> config;
    private Process process;
    private int port;
    private int starts;
    private Path log;

    ServerProcess(String name, Path logDir, List<String> jvmOptions, Map<String, String> config) {
        this.name = name;
        this.logDir = logDir;
        this.jvmOptions = List.copyOf(jvmOptions);
        this.config = Map.copyOf(config);
    }

    /** The class path of the test JVM (surefire's real one when it runs us through a manifest jar). */
    static String classPath() {
        String cp = System.getProperty("surefire.test.class.path");
        return cp != null && !cp.isBlank() ? cp : System.getProperty("java.class.path");
    }

    synchronized void start() throws IOException, InterruptedException {
        if (process != null && process.isAlive()) {
            return;
        }
        starts++;
        Files.createDirectories(logDir);
        log = logDir.resolve(name + "-server-" + starts + ".log");
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.addAll(jvmOptions);
        // A native crash's report beside the server's log, not in the working directory.
        cmd.add("-XX:ErrorFile=" + logDir.resolve(name + "-hs_err_pid%p.log"));
        cmd.add("-cp");
        cmd.add(classPath());
        cmd.add("io.github.iipservlet.testsupport.TestServer");
        cmd.add("0");
        config.forEach((k, v) -> cmd.add(k + "=" + v));
        ProcessBuilder pb = new ProcessBuilder(cmd).directory(Path.of("").toAbsolutePath().toFile())
                .redirectErrorStream(true).redirectOutput(log.toFile());
        process = pb.start();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new IOException("the server exited (" + process.exitValue() + ") while starting; see " + log);
            }
            Matcher m = LISTENING.matcher(Files.readString(log, StandardCharsets.ISO_8859_1));
            if (m.find()) {
                port = Integer.parseInt(m.group(1));
                return;
            }
            Thread.sleep(100);
        }
        close();
        throw new IOException("the server did not start within 120 s; see " + log);
    }

    synchronized void restart() throws IOException, InterruptedException {
        close();
        start();
    }

    synchronized boolean alive() {
        return process != null && process.isAlive();
    }

    /**
     * After a dropped connection: whether the server is dead, waiting up to {@code millis} for a
     * crashing JVM to finish writing its report and exit.
     */
    boolean diedWithin(long millis) throws InterruptedException {
        Process p;
        synchronized (this) {
            p = process;
        }
        return p != null && p.waitFor(millis, TimeUnit.MILLISECONDS);
    }

    /**
     * What killed a dead server, from its log: "SIGSEGV in libturbojpeg.so.0.2.0" (the JVM's fatal
     * error report, offsets dropped so that crashes at one place group together), "out of memory"
     * or "exit N".
     */
    synchronized String deathCause() {
        String text;
        try {
            text = Files.readString(log, StandardCharsets.ISO_8859_1);
        } catch (IOException e) {
            return "exit " + exitCode();
        }
        Matcher sig = Pattern.compile("#\\s+(SIG[A-Z]+) \\(").matcher(text);
        Matcher frame = Pattern.compile("# Problematic frame:\\s*\\n#\\s*(.*)").matcher(text);
        if (sig.find()) {
            String where = frame.find() ? " in " + frame.group(1).replaceFirst("^([^\\]]*\\]).*", "$1").replaceAll("\\+0x[0-9a-fA-F]+|0x[0-9a-fA-F]+|\\b\\d+\\b", "")
                    .replaceAll("\\s+", " ").strip() : "";
            return sig.group(1) + where + " (JVM crash)";
        }
        if (text.contains("OutOfMemoryError")) {
            return "OutOfMemoryError, exit " + exitCode();
        }
        return "exit " + exitCode();
    }

    /** The exit code of a dead server, or null while it runs. */
    synchronized Integer exitCode() {
        return process == null || process.isAlive() ? null : process.exitValue();
    }

    synchronized long pid() {
        return process.pid();
    }

    synchronized int port() {
        return port;
    }

    synchronized int starts() {
        return starts;
    }

    synchronized Path log() {
        return log;
    }

    /** A thread dump of the running server (jcmd Thread.print) into {@code file}; best effort. */
    void threadDump(Path file) {
        try {
            Path jcmd = Path.of(System.getProperty("java.home"), "bin", "jcmd");
            Process p = new ProcessBuilder(jcmd.toString(), Long.toString(pid()), "Thread.print")
                    .redirectErrorStream(true).redirectOutput(file.toFile()).start();
            p.waitFor(30, TimeUnit.SECONDS);
            p.destroy();
        } catch (IOException | RuntimeException e) {
            // a dump is a courtesy
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public synchronized void close() {
        if (process == null) {
            return;
        }
        process.destroy();
        try {
            if (!process.waitFor(15, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor(15, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        }
    }
}
