package io.outrigger.controlplane.registry;

import io.outrigger.controlplane.registry.file.FileRegistry;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Which registry the mesh comes from, as the operator names it ({@code --registry file:DIR}). It is
 * the one place that maps a name to an implementation: the server, the CLI and the settings hold a
 * source and {@link #open()} it, so none of them knows which registry is in use.
 */
public sealed interface RegistrySource {

    /** A new, not yet started registry reading this source. */
    Registry open();

    /** The embedded default: a directory of Kubernetes and Istio YAML, watched for changes. */
    record Directory(Path dir) implements RegistrySource {
        public Directory {
            dir = dir.toAbsolutePath().normalize();
        }

        @Override
        public Registry open() {
            return new FileRegistry(dir);
        }

        @Override
        public String toString() {
            return "file:" + dir;
        }
    }

    static RegistrySource directory(Path dir) {
        return new Directory(dir);
    }

    /**
     * Parses what an operator wrote; a source that cannot work is refused here, before anything starts.
     *
     * @throws IllegalArgumentException naming the value and the reason
     */
    static RegistrySource parse(String value) {
        if (!value.startsWith("file:")) {
            throw new IllegalArgumentException("registry '" + value + "': unknown kind; supported: file:DIR "
                    + "(a directory of Kubernetes and Istio YAML)");
        }
        Path dir = Path.of(value.substring("file:".length())).toAbsolutePath().normalize();
        if (!Files.isDirectory(dir)) {
            throw new IllegalArgumentException("registry '" + value + "': " + dir
                    + (Files.exists(dir) ? " is not a directory" : " does not exist"));
        }
        return new Directory(dir);
    }
}
