package imagejobs.local.emulators;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DataDirectoryTest {
    @TempDir
    Path dir;

    @Test
    void createsItsLayoutAndTellsANewDirectoryFromAUsedOne() {
        Path data = dir.resolve("state");
        try (DataDirectory d = DataDirectory.open(data)) {
            assertTrue(d.fresh());
            assertTrue(Files.isDirectory(d.dynamoDb()) && Files.isDirectory(d.sqs()) && Files.isDirectory(d.s3()));
        }
        try (DataDirectory d = DataDirectory.open(data)) {
            assertFalse(d.fresh());
        }
    }

    @Test
    void oneStackAtATime() {
        try (DataDirectory first = DataDirectory.open(dir)) {
            IllegalStateException e = assertThrows(IllegalStateException.class, () -> DataDirectory.open(dir));
            assertTrue(e.getMessage().contains("in use by another local stack"), e.getMessage());
        }
        DataDirectory.open(dir).close(); // released
    }

    @Test
    void aFileIsNotADataDirectory() throws Exception {
        Path file = Files.writeString(dir.resolve("file"), "x");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> DataDirectory.open(file));
        assertTrue(e.getMessage().contains("is not a directory"), e.getMessage());
    }
}
