package io.outrigger.testsupport;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/** The checkout the tests run from: surefire passes {@code OUTRIGGER_REPO_ROOT}; else found from the cwd. */
final class RepoRoot {

    private RepoRoot() {
    }

    static Optional<Path> find() {
        String env = System.getenv("OUTRIGGER_REPO_ROOT");
        if (env != null && !env.isBlank() && Files.isDirectory(Path.of(env))) {
            return Optional.of(Path.of(env).toAbsolutePath());
        }
        for (Path dir = Path.of("").toAbsolutePath(); dir != null; dir = dir.getParent()) {
            if (Files.isRegularFile(dir.resolve("scripts/bootstrap.sh"))) {
                return Optional.of(dir);
            }
        }
        return Optional.empty();
    }
}
