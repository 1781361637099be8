package io.github.iipservlet.image;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ImagePathsTest {

    @Test
    void refusesDotDotSegmentsNulAndBackslashes() {
        assertFalse(ImagePaths.isSafeIdentifier("../x.tif"));
        assertFalse(ImagePaths.isSafeIdentifier("a/../../x.tif"));
        assertFalse(ImagePaths.isSafeIdentifier("a/.."));
        assertFalse(ImagePaths.isSafeIdentifier("x\0.tif"));
        assertFalse(ImagePaths.isSafeIdentifier("a\\b.tif"));
        assertTrue(ImagePaths.isSafeIdentifier("a/b..c.tif"));
        assertTrue(ImagePaths.isSafeIdentifier("a.b/c.tif"));
        // Dot-files and dot-folders are served by no protocol (docs/decisions.md Decision 12).
        assertFalse(ImagePaths.isSafeIdentifier("..a.tif"));
        assertFalse(ImagePaths.isSafeIdentifier(".hidden.tif"));
        assertFalse(ImagePaths.isSafeIdentifier("a/.git/x.tif"));
        assertFalse(ImagePaths.isSafeIdentifier("./a.tif"));
    }

    @Test
    void resolvesInsideThePrefixAndRefusesSymlinksLeavingIt(@TempDir Path tmp) throws Exception {
        Path served = Files.createDirectories(tmp.resolve("served"));
        Path outside = Files.writeString(tmp.resolve("secret.tif"), "II*\0");
        Files.writeString(served.resolve("in.tif"), "II*\0");
        Files.createSymbolicLink(served.resolve("link.tif"), outside);
        Files.createDirectories(served.resolve("sub"));
        Files.createSymbolicLink(served.resolve("inner.tif"), served.resolve("in.tif"));
        ImagePaths paths = new ImagePaths(served + "/", "");
        assertEquals(served.toRealPath().resolve("in.tif"), paths.real(paths.candidate("in.tif")));
        assertEquals(served.toRealPath().resolve("in.tif"), paths.real(paths.candidate("inner.tif")));
        assertThrows(ImageException.class, () -> paths.real(paths.candidate("link.tif")));
        assertThrows(ImageException.class, () -> paths.candidate("../secret.tif"));
        // An absolute identifier is concatenated under the prefix, as iipsrv does.
        assertThrows(ImageException.class, () -> paths.real(paths.candidate(outside.toString())));
        assertThrows(ImageException.class, () -> paths.real(paths.candidate("sub")));
    }

    @Test
    void aPrefixThroughASymlinkServesItsFiles(@TempDir Path tmp) throws Exception {
        Path data = Files.createDirectories(tmp.resolve("data"));
        Files.writeString(data.resolve("in.tif"), "II*\0");
        Files.writeString(tmp.resolve("secret.tif"), "II*\0");
        Path link = Files.createSymbolicLink(tmp.resolve("images"), data);
        ImagePaths paths = new ImagePaths(link + "/", "");
        assertEquals(data.toRealPath().resolve("in.tif"), paths.real(paths.candidate("in.tif")));
        assertThrows(ImageException.class, () -> paths.candidate("../secret.tif"));
        assertThrows(ImageException.class, () -> paths.real(paths.candidate("x/../../secret.tif")));
    }

    @Test
    void suffixIsAppended(@TempDir Path tmp) throws Exception {
        Files.writeString(tmp.resolve("a.tif"), "II*\0");
        ImagePaths paths = new ImagePaths(tmp + "/", ".tif");
        assertEquals(tmp.toRealPath().resolve("a.tif"), paths.real(paths.candidate("a")));
    }
}
