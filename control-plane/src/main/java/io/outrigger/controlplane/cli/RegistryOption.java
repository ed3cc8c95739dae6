package io.outrigger.controlplane.cli;

import java.nio.file.Files;
import java.nio.file.Path;
import picocli.CommandLine;

/** {@code --registry file:DIR}: the only registry the CLI runs today is the file registry. */
final class RegistryOption implements CommandLine.ITypeConverter<Path> {
  @Override
  public Path convert(String value) {
    if (!value.startsWith("file:")) {
      throw new CommandLine.TypeConversionException(
          "'" + value + "' is not file:DIR (a directory of Kubernetes and Istio YAML)");
    }
    Path dir = Path.of(value.substring("file:".length())).toAbsolutePath().normalize();
    if (!Files.isDirectory(dir)) {
      throw new CommandLine.TypeConversionException(
          "'" + value + "': " + dir + (Files.exists(dir) ? " is not a directory" : " does not exist"));
    }
    return dir;
  }
}
