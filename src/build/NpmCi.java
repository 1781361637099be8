import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Runs {@code npm ci} for the viewer page's one library (OpenSeadragon, pinned in package-lock.json).
 * Maven starts it through exec-maven-plugin with the JDK's source launcher, so no compiled build
 * tool is needed: a plain {@code java NpmCi.java}. It exists only to make npm optional. When npm is
 * not installed the build still succeeds with a WAR whose viewer page says the library is missing
 * (the project builds with JDK and Maven alone), unless the build requires it (the browser-test
 * profile does: a browser test without the library would only fail later and less clearly).
 *
 * <p>Arguments: project directory, whether npm is required ("true"/"false"), and the folder the
 * build copies the library into, which is created even when empty so that the WAR, jetty:run and
 * the test server can always name it as a resource folder.
 */
public final class NpmCi {
    public static void main(String[] args) throws IOException, InterruptedException {
        Path project = Path.of(args[0]);
        boolean required = Boolean.parseBoolean(args[1]);
        Files.createDirectories(Path.of(args[2]));
        String npm = onPath(isWindows() ? "npm.cmd" : "npm");
        if (npm == null) {
            String message = "npm is not installed: the WAR is built without OpenSeadragon, so its viewer page"
                    + " cannot show images (install Node.js 18 or later and rebuild)";
            if (required) {
                System.err.println("[ERROR] " + message);
                System.exit(1);
            }
            System.err.println("[WARNING] " + message);
            return;
        }
        // --ignore-scripts: nothing from the registry runs here. --prefer-offline: an unchanged lock
        // file installs from npm's cache without asking the registry again.
        Process p = new ProcessBuilder(npm, "ci", "--ignore-scripts", "--no-audit", "--no-fund", "--prefer-offline")
                .directory(project.toFile()).inheritIO().start();
        System.exit(p.waitFor());
    }

    private static boolean isWindows() {
        return System.getProperty("os.name", "").startsWith("Windows");
    }

    /** The first executable of that name in PATH, or null. */
    private static String onPath(String name) {
        String path = System.getenv("PATH");
        if (path == null) {
            return null;
        }
        for (String dir : path.split(File.pathSeparator)) {
            if (!dir.isEmpty() && Files.isExecutable(Path.of(dir, name))) {
                return Path.of(dir, name).toString();
            }
        }
        return null;
    }
}
