package io.outrigger.certs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What Envoy's file_based_metadata can send (GoogleGrpcFileBasedMetadataTest measured it): the
 * token alone.
 */
class TokenFileTest {

  @TempDir Path dir;

  @Test
  void writesTheTokenAloneReadableLikeAProjectedToken() throws Exception {
    Path file = dir.resolve("token");
    TokenFile.write(file, "eyJhbGciOi.e30.sig");
    assertThat(Files.readAllBytes(file)).asString().isEqualTo("eyJhbGciOi.e30.sig");
    assertThat(Files.getPosixFilePermissions(file))
        .isEqualTo(PosixFilePermissions.fromString("rw-r--r--"));
    assertThatCode(() -> TokenFile.requireSendable(file)).doesNotThrowAnyException();
  }

  @Test
  void aFileEndingInALineBreakIsRefusedWithTheSymptomItWouldCause() throws Exception {
    Path file = Files.writeString(dir.resolve("token"), "eyJhbGciOi.e30.sig\n");
    assertThatThrownBy(() -> TokenFile.requireSendable(file))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage(
            "token file "
                + file
                + ": ends with a line break (\\n) at byte 18; Envoy sends the file as is"
                + " and gRPC refuses that header and every xDS stream fails with status 13 and an empty message"
                + " (write it with 'outrigger token --output FILE' or printf '%s')");
    Files.writeString(file, "eyJ.e30.sig\r\n");
    assertThatThrownBy(() -> TokenFile.requireSendable(file))
        .hasMessageContaining("ends with a carriage return");
    Files.writeString(file, "eyJ.e30.sig ");
    assertThatThrownBy(() -> TokenFile.requireSendable(file))
        .hasMessageContaining(
            "ends with a space at byte 11; Envoy sends the file as is and the control plane refuses");
  }

  @Test
  void emptyOversizedAndBrokenFilesAreRefusedAMissingOneIsLeftToTheKubelet() throws Exception {
    Path file = Files.writeString(dir.resolve("token"), "");
    assertThatThrownBy(() -> TokenFile.requireSendable(file))
        .hasMessage("token file " + file + ": is empty");
    Files.writeString(file, "a".repeat(TokenFile.MAX_BYTES + 1));
    assertThatThrownBy(() -> TokenFile.requireSendable(file))
        .hasMessageContaining("larger than 65536 bytes");
    Files.writeString(file, "eyJ.e30\n.sig");
    assertThatThrownBy(() -> TokenFile.requireSendable(file))
        .hasMessageContaining(": holds a line break (\\n) at byte 7");
    assertThatThrownBy(() -> TokenFile.write(dir.resolve("other"), "tok\n"))
        .hasMessageContaining("token for " + dir.resolve("other") + ": ends with a line break");
    assertThat(dir.resolve("other")).doesNotExist();

    assertThatCode(() -> TokenFile.requireSendable(dir.resolve("not-yet-mounted")))
        .doesNotThrowAnyException();
  }
}
