package io.outrigger.controlplane.testing;

import io.outrigger.controlplane.model.MeshConfig;
import io.outrigger.controlplane.registry.file.FileRegistry;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/** The bookinfo-like mesh of src/test/resources/bookinfo, read through the real file registry. */
public final class MeshFixtures {
    private static final List<String> BOOKINFO_FILES = List.of("services.yaml", "workloads.yaml", "istio.yaml");

    private MeshFixtures() {
    }

    /** Copies the bookinfo YAML files into {@code dir} so a test may edit them. */
    public static Path copyBookinfo(Path dir) {
        try {
            for (String name : BOOKINFO_FILES) {
                try (InputStream in = MeshFixtures.class.getResourceAsStream("/bookinfo/" + name)) {
                    if (in == null) {
                        throw new IllegalStateException("test resource /bookinfo/" + name + " is missing");
                    }
                    Files.copy(in, dir.resolve(name));
                }
            }
            return dir;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot copy the bookinfo fixture to " + dir, e);
        }
    }

    /** Loads a registry directory once, without watching it. */
    public static MeshConfig load(Path dir) {
        FileRegistry registry = new FileRegistry(dir);
        registry.reload();
        return registry.current();
    }

    public static MeshConfig bookinfo(Path tempDir) {
        return load(copyBookinfo(tempDir));
    }
}
