package io.outrigger.testsupport;

import com.google.protobuf.Descriptors.Descriptor;
import com.google.protobuf.Descriptors.FileDescriptor;
import com.google.protobuf.util.JsonFormat;
import io.envoyproxy.envoy.config.bootstrap.v3.Bootstrap;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.reflect.Method;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.jar.JarEntry;
import java.util.jar.JarFile;

/**
 * Every protobuf type the Envoy API jar defines, so that JSON with {@code Any} fields (a config
 * dump, a resource with typed filter configs) is parsed into and printed from the real Envoy
 * protos. Built once per JVM from the descriptors of the generated {@code *Proto} outer classes in
 * that jar.
 */
public final class EnvoyTypes {

  private EnvoyTypes() {}

  public static JsonFormat.TypeRegistry registry() {
    return Holder.REGISTRY;
  }

  /**
   * Parses JSON that may carry Envoy types; unknown fields (e.g. an extension we do not ship) are
   * skipped.
   */
  public static JsonFormat.Parser parser() {
    return JsonFormat.parser().usingTypeRegistry(registry()).ignoringUnknownFields();
  }

  /** Prints with the proto field names Envoy's docs use (snake_case). */
  public static JsonFormat.Printer printer() {
    return JsonFormat.printer().usingTypeRegistry(registry()).preservingProtoFieldNames();
  }

  private static final class Holder {
    static final JsonFormat.TypeRegistry REGISTRY = build();
  }

  private static JsonFormat.TypeRegistry build() {
    JsonFormat.TypeRegistry.Builder builder = JsonFormat.TypeRegistry.newBuilder();
    for (FileDescriptor file : apiFiles()) {
      List<Descriptor> types = file.getMessageTypes();
      // Adding one message type of a file adds the whole file and its imports.
      if (!types.isEmpty()) {
        builder.add(types.get(0));
      }
    }
    return builder.build();
  }

  private static List<FileDescriptor> apiFiles() {
    Path jar = apiJar();
    List<FileDescriptor> files = new ArrayList<>();
    ClassLoader loader = EnvoyTypes.class.getClassLoader();
    try (JarFile jarFile = new JarFile(jar.toFile())) {
      for (JarEntry entry : jarFile.stream().toList()) {
        String name = entry.getName();
        if (name.endsWith("Proto.class") && !name.contains("$")) {
          String className = name.substring(0, name.length() - ".class".length()).replace('/', '.');
          fileDescriptor(loader, className, files);
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read the Envoy API jar " + jar, e);
    }
    return files;
  }

  private static void fileDescriptor(
      ClassLoader loader, String className, List<FileDescriptor> into) {
    try {
      Method getDescriptor = Class.forName(className, false, loader).getMethod("getDescriptor");
      if (getDescriptor.getReturnType() == FileDescriptor.class) {
        into.add((FileDescriptor) getDescriptor.invoke(null));
      }
    } catch (ReflectiveOperationException | LinkageError e) {
      // Not a generated outer class (or one whose optional dependency is absent): nothing to
      // register.
    }
  }

  private static Path apiJar() {
    try {
      return Path.of(Bootstrap.class.getProtectionDomain().getCodeSource().getLocation().toURI());
    } catch (URISyntaxException e) {
      throw new IllegalStateException("cannot locate the Envoy API jar", e);
    }
  }
}
