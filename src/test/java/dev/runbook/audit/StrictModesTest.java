package dev.runbook.audit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.runbook.model.InvalidInputException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Files of the state directory are opened for writing without following a link, whenever it was planted. */
class StrictModesTest {
    @TempDir
    Path dir;

    @Test
    void aMissingFileIsCreatedPrivateAndAnExistingOneOpenedAsItIs() throws IOException {
        Path file = dir.resolve("audit.jsonl");
        try (FileChannel ch = StrictModes.open(file)) {
            ch.write(ByteBuffer.wrap("one\n".getBytes(StandardCharsets.UTF_8)));
        }
        try (FileChannel ch = StrictModes.open(file, StandardOpenOption.APPEND)) {
            ch.write(ByteBuffer.wrap("two\n".getBytes(StandardCharsets.UTF_8)));
        }

        assertThat(Files.readString(file)).isEqualTo("one\ntwo\n");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file))).isEqualTo("rw-------");
    }

    @Test
    void aLinkIsRefusedAndWhatItLeadsToIsLeftAsItWas() throws IOException {
        Path victim = Files.writeString(dir.resolve("victim"), "precious\n");
        Files.setPosixFilePermissions(victim, PosixFilePermissions.fromString("rw-r--r--"));
        Path link = Files.createSymbolicLink(dir.resolve("x.lock"), victim);
        Path dangling = Files.createSymbolicLink(dir.resolve("y.lock"), dir.resolve("not-yet"));

        assertThatThrownBy(() -> StrictModes.open(link, StandardOpenOption.READ)).isInstanceOf(InvalidInputException.class)
                .hasMessageContaining(link + ": error: a symbolic link (to " + victim + ") in the state directory");
        assertThatThrownBy(() -> StrictModes.open(dangling)).isInstanceOf(InvalidInputException.class);
        assertThatThrownBy(() -> StrictModes.openExisting(link, java.util.Set.of(StandardOpenOption.READ)))
                .isInstanceOf(InvalidInputException.class);

        assertThat(Files.readString(victim)).isEqualTo("precious\n");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(victim))).isEqualTo("rw-r--r--");
        assertThat(dir.resolve("not-yet")).as("a dangling link makes nothing where it points").doesNotExist();
    }
}
