package io.github.iipservlet.access;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

/**
 * The rules in force: ACCESS_RULES, then those of ACCESS_RULES_FILE, which is read again when it
 * changes (looked at no more than once every {@link #RECHECK_MILLIS}). Bad rules stop the start
 * with a message naming their line; a bad edit of the file later is logged and the rules read
 * before stay in force, so a typo never opens the images. Safe for concurrent use.
 */
public final class AccessPolicy {
    private static final Logger LOG = LogManager.getLogger(AccessPolicy.class);
    static final long RECHECK_MILLIS = 2000;

    private final AccessRules inline;
    private final Path file;
    private volatile State state;
    private volatile long checkedAt;

    /** The rules in force (ACCESS_RULES then the file's) and what the file looked like when read. */
    private record State(AccessRules rules, long modified, long size) {
    }

    /**
     * @param rules ACCESS_RULES, or empty
     * @param file  ACCESS_RULES_FILE, or empty
     * @throws IllegalArgumentException for a bad rule, or a file that cannot be read
     */
    public AccessPolicy(String rules, String file) {
        this.inline = rules.isBlank() ? AccessRules.NONE : AccessRules.parse(rules, "ACCESS_RULES");
        this.file = file.isBlank() ? null : Path.of(file);
        if (this.file != null) {
            try {
                state = read(inline, this.file);
            } catch (IOException e) {
                throw new IllegalArgumentException("ACCESS_RULES_FILE " + file + " cannot be read: " + e.getMessage(),
                        e);
            }
            checkedAt = System.currentTimeMillis();
        }
    }

    /** No rules at all. */
    public static AccessPolicy open() {
        return new AccessPolicy("", "");
    }

    /** True when no rule is configured, not even an empty file that may later get some. */
    public boolean unconfigured() {
        return inline.isEmpty() && file == null;
    }

    /** The rules in force now. */
    public AccessRules rules() {
        if (file == null) {
            return inline;
        }
        long now = System.currentTimeMillis();
        if (now - checkedAt >= RECHECK_MILLIS) {
            checkedAt = now;
            reloadIfChanged();
        }
        return state.rules;
    }

    private synchronized void reloadIfChanged() {
        State current = state;
        try {
            BasicFileAttributes a = Files.readAttributes(file, BasicFileAttributes.class);
            if (a.lastModifiedTime().toMillis() == current.modified && a.size() == current.size) {
                return;
            }
            state = read(inline, file);
            LOG.info("ACCESS_RULES_FILE {} read again: {} rules in force", file, state.rules.size());
        } catch (IOException | IllegalArgumentException e) {
            LOG.error("ACCESS_RULES_FILE {} not used, the rules read before stay in force: {}", file, e.getMessage());
            // Not read again until it changes once more.
            try {
                BasicFileAttributes a = Files.readAttributes(file, BasicFileAttributes.class);
                state = new State(current.rules, a.lastModifiedTime().toMillis(), a.size());
            } catch (IOException gone) {
                // Missing now: keep the old rules and try again next time.
            }
        }
    }

    /** The file read, after {@code inline}: joined here once, not on every request. */
    private static State read(AccessRules inline, Path file) throws IOException {
        BasicFileAttributes a = Files.readAttributes(file, BasicFileAttributes.class);
        String text = Files.readString(file, StandardCharsets.UTF_8);
        return new State(inline.then(AccessRules.parse(text, "ACCESS_RULES_FILE " + file.getFileName())),
                a.lastModifiedTime().toMillis(), a.size());
    }
}
