package io.github.iipservlet.access;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The rule language of ACCESS_RULES and ACCESS_RULES_FILE (docs/operations.md "Access control"). */
class AccessRulesTest {
    private static final Caller STAFF = Caller.withRoles(Set.of("staff"));
    private static final Caller READER = Caller.withRoles(Set.of());

    @TempDir
    Path tmp;

    @Test
    void globsMatchWithinAndAcrossFolders() {
        AccessRules r = AccessRules.parse("a/*.tif * none; b/** * 100; **/secret.tif * 50; c/?.jp2 * 10", "T");
        assertEquals(Limit.NONE, r.limitFor("a/x.tif", Caller.ANONYMOUS));
        assertEquals(Limit.FULL, r.limitFor("a/sub/x.tif", Caller.ANONYMOUS), "* stays in its folder");
        assertEquals(Limit.FULL, r.limitFor("a/x.tiff", Caller.ANONYMOUS));
        assertEquals(new Limit(100), r.limitFor("b/x.tif", Caller.ANONYMOUS));
        assertEquals(new Limit(100), r.limitFor("b/deep/er/x.tif", Caller.ANONYMOUS), "** crosses folders");
        assertEquals(Limit.FULL, r.limitFor("bb/x.tif", Caller.ANONYMOUS));
        assertEquals(new Limit(50), r.limitFor("secret.tif", Caller.ANONYMOUS), "**/ also matches no folder");
        assertEquals(new Limit(50), r.limitFor("x/y/secret.tif", Caller.ANONYMOUS));
        assertEquals(new Limit(10), r.limitFor("c/1.jp2", Caller.ANONYMOUS));
        assertEquals(Limit.FULL, r.limitFor("c/12.jp2", Caller.ANONYMOUS));
        // Regex characters in a glob are literal.
        assertEquals(Limit.NONE, AccessRules.parse("p(1).tif * none", "T").limitFor("p(1).tif", Caller.ANONYMOUS));
        assertEquals(Limit.FULL, AccessRules.parse("p.tif * none", "T").limitFor("pxtif", Caller.ANONYMOUS));
    }

    @Test
    void identifiersAreMatchedAsTheImageFolderResolvesThem() {
        AccessRules r = AccessRules.parse("restricted/** * none", "T");
        for (String id : List.of("restricted/a.tif", "/restricted/a.tif", "//restricted//a.tif", "restricted///a.tif")) {
            assertEquals(Limit.NONE, r.limitFor(id, Caller.ANONYMOUS), id);
            assertTrue(r.restricted(id), id);
        }
    }

    @Test
    void theFirstRuleThatMatchesAndAppliesDecides() {
        AccessRules r = AccessRules.parse("""
                # staff see everything, anyone logged in 512, the rest a thumbnail
                restricted/** staff full
                restricted/** authenticated 512
                restricted/** * 256
                """, "T");
        assertEquals(Limit.FULL, r.limitFor("restricted/a.tif", STAFF));
        assertEquals(new Limit(512), r.limitFor("restricted/a.tif", READER));
        assertEquals(new Limit(256), r.limitFor("restricted/a.tif", Caller.ANONYMOUS));
        assertEquals(Limit.FULL, r.limitFor("open/a.tif", Caller.ANONYMOUS), "no rule: full");
        assertFalse(r.restricted("open/a.tif"));
        assertEquals(Set.of("staff"), r.roles());
        // Order matters: a rule for anyone first shadows the rest.
        AccessRules shadowed = AccessRules.parse("restricted/** * 256; restricted/** staff full", "T");
        assertEquals(new Limit(256), shadowed.limitFor("restricted/a.tif", STAFF));
        // A role needs a login: nobody anonymous has one.
        assertEquals(Limit.FULL, AccessRules.parse("x * none", "T").limitFor("y", Caller.ANONYMOUS));
    }

    @Test
    void rulesThatGrantFullOnlyRestrictNothing() {
        AccessRules r = AccessRules.parse("open/** * full; mixed/** staff full", "T");
        assertFalse(r.restricted("open/a.tif"));
        assertFalse(r.restricted("mixed/a.tif"), "full for staff, and full for the rest by default");
        assertTrue(AccessRules.parse("mixed/** staff full; mixed/** * 100", "T").restricted("mixed/a.tif"));
    }

    @Test
    void badRulesAreRefusedNamingWhere() {
        assertMessage("ACCESS_RULES line 1 rule 2: 'fll' is not a limit", "a/** * full; b/** * fll");
        assertMessage("ACCESS_RULES line 2: 'a/** staff' is not GLOB ROLE LIMIT", "x * none\na/** staff");
        assertMessage("ACCESS_RULES line 1: 'a b c d' is not GLOB ROLE LIMIT", "a b c d");
        assertMessage("ACCESS_RULES line 1: '0' is not a limit", "a * 0");
        assertMessage("ACCESS_RULES line 1: '-5' is not a limit", "a * -5");
        assertMessage("ACCESS_RULES line 1: '/a/**': globs are identifiers", "/a/** * none");
        assertEquals(0, AccessRules.parse(" ; \n # only a comment\n", "ACCESS_RULES").size());
    }

    private static void assertMessage(String start, String rules) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> AccessRules.parse(rules, "ACCESS_RULES"));
        assertTrue(e.getMessage().startsWith(start), e.getMessage());
    }

    @Test
    void theRulesFileIsReadAgainWhenItChangesAndABadEditKeepsTheOldRules() throws Exception {
        Path file = tmp.resolve("rules.txt");
        Files.writeString(file, "a/** * none\n");
        AccessPolicy policy = new AccessPolicy("first/** * 10", file.toString());
        assertEquals(new Limit(10), policy.rules().limitFor("first/x", Caller.ANONYMOUS), "ACCESS_RULES first");
        assertEquals(Limit.NONE, policy.rules().limitFor("a/x", Caller.ANONYMOUS));

        Files.writeString(file, "a/** * 300\n");
        Files.setLastModifiedTime(file, FileTime.fromMillis(System.currentTimeMillis() + 5000));
        Thread.sleep(AccessPolicy.RECHECK_MILLIS + 200);
        assertEquals(new Limit(300), policy.rules().limitFor("a/x", Caller.ANONYMOUS), "read again");

        Files.writeString(file, "a/** * nonsense\n");
        Files.setLastModifiedTime(file, FileTime.fromMillis(System.currentTimeMillis() + 10000));
        Thread.sleep(AccessPolicy.RECHECK_MILLIS + 200);
        assertEquals(new Limit(300), policy.rules().limitFor("a/x", Caller.ANONYMOUS), "a typo never opens images");

        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new AccessPolicy("", file.toString()));
        assertTrue(e.getMessage().startsWith("ACCESS_RULES_FILE rules.txt line 1: 'nonsense' is not a limit"),
                e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> new AccessPolicy("", tmp.resolve("missing").toString()));
    }
}
