package io.outrigger.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The real {@code ./outrigger} launcher script, in a copy of the repository's shape where {@code
 * mvnw} and {@code java} are stand-ins that record being run: it builds the jar when it is missing
 * or older than a source, and only then.
 */
class LauncherTest {

  private static final Path LAUNCHER =
      Path.of(System.getProperty("user.dir")).getParent().resolve("outrigger");

  @TempDir Path root;
  private Path jar;
  private Path builds;

  @BeforeEach
  void repository() throws IOException {
    Files.copy(LAUNCHER, root.resolve("outrigger"));
    builds = root.resolve("builds.log");
    jar = root.resolve("cli/target/outrigger.jar");
    executable(
        root.resolve("mvnw"),
        "echo built >> '" + builds + "'; mkdir -p cli/target; touch cli/target/outrigger.jar");
    executable(root.resolve("jdk/bin/java"), "echo \"ran $*\"");
    write(root.resolve(".outrigger/env"), "export JAVA_HOME='" + root.resolve("jdk") + "'\n");
    write(root.resolve("pom.xml"), "<project/>");
    write(root.resolve("cli/pom.xml"), "<project/>");
    write(root.resolve("certs/src/main/java/A.java"), "class A {}");
    try (var files = Files.walk(root)) {
      for (Path file : files.toList()) {
        Files.setLastModifiedTime(
            file, FileTime.from(Instant.now().minusSeconds(120))); // sources of the past
      }
    }
  }

  @Test
  void buildsAMissingJarOnceThenRunsIt() throws Exception {
    assertThat(run("--version"))
        .containsExactly(
            "outrigger: building " + jar + " (first run)", "ran -jar " + jar + " --version");
    assertThat(run("--version")).containsExactly("ran -jar " + jar + " --version");
    assertThat(Files.readAllLines(builds)).hasSize(1);
  }

  @Test
  void rebuildsWhenASourceOrAPomIsNewerThanTheJar() throws Exception {
    run();
    age(jar);
    touch(root.resolve("certs/src/main/java/A.java"));
    assertThat(run())
        .first()
        .isEqualTo("outrigger: rebuilding " + jar + " (certs/src/main/java/A.java is newer)");

    age(jar);
    touch(root.resolve("cli/pom.xml"));
    assertThat(run()).first().isEqualTo("outrigger: rebuilding " + jar + " (cli/pom.xml is newer)");
    assertThat(Files.readAllLines(builds)).hasSize(3);
  }

  @Test
  void buildOutputAndOtherFilesDoNotTriggerABuild() throws Exception {
    run();
    age(jar);
    write(root.resolve("certs/target/classes/A.class"), "x");
    write(root.resolve("docs/notes.md"), "x");
    write(root.resolve(".git/src/HEAD"), "x");
    assertThat(run()).containsExactly("ran -jar " + jar);
    assertThat(Files.readAllLines(builds)).hasSize(1);
  }

  @Test
  void allowsSunMiscUnsafeOnAJdkThatWarnsAboutIt() throws Exception {
    write(root.resolve("jdk/release"), "JAVA_VERSION=\"25.0.3\"\n");
    assertThat(run("control-plane"))
        .last()
        .isEqualTo("ran --sun-misc-unsafe-memory-access=allow -jar " + jar + " control-plane");
    write(root.resolve("jdk/release"), "JAVA_VERSION=\"21.0.5\"\n");
    assertThat(run("control-plane")).last().isEqualTo("ran -jar " + jar + " control-plane");
  }

  private List<String> run(String... args) throws IOException, InterruptedException {
    List<String> command =
        new java.util.ArrayList<>(List.of("bash", root.resolve("outrigger").toString()));
    command.addAll(List.of(args));
    Process p =
        new ProcessBuilder(command).directory(root.toFile()).redirectErrorStream(true).start();
    assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
    assertThat(p.exitValue()).isZero();
    return new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).lines().toList();
  }

  /** The jar as built a minute ago, so that a file written now is newer. */
  private static void age(Path file) throws IOException {
    Files.setLastModifiedTime(file, FileTime.from(Instant.now().minusSeconds(60)));
  }

  private static void touch(Path file) throws IOException {
    Files.setLastModifiedTime(file, FileTime.from(Instant.now()));
  }

  private static void write(Path file, String content) throws IOException {
    Files.createDirectories(file.getParent());
    Files.writeString(file, content);
  }

  private static void executable(Path file, String body) throws IOException {
    write(file, "#!/bin/sh\n" + body + "\n");
    Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rwxr-xr-x"));
  }
}
