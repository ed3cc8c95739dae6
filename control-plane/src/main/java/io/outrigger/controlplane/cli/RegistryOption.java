package io.outrigger.controlplane.cli;

import io.outrigger.controlplane.registry.source.RegistrySource;
import picocli.CommandLine;

/** {@code --registry file:DIR}: parsed by the registry package, which alone knows the kinds. */
final class RegistryOption implements CommandLine.ITypeConverter<RegistrySource> {
  @Override
  public RegistrySource convert(String value) {
    try {
      return RegistrySource.parse(value);
    } catch (IllegalArgumentException e) {
      throw new CommandLine.TypeConversionException(e.getMessage());
    }
  }
}
