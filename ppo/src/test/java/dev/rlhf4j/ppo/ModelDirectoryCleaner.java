package dev.rlhf4j.ppo;

import dev.rlhf4j.core.checkpoint.ModelDirectory;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;

/** Rewinds a run directory to one checkpoint, as if the process had died right after writing it. */
final class ModelDirectoryCleaner {
    private ModelDirectoryCleaner() {}

    static void keepOnlyCheckpoint(Path run, long step) throws IOException {
        try (Stream<Path> ckpts = Files.list(run.resolve("checkpoints"))) {
            for (Path p : ckpts.toList()) {
                if (!p.getFileName().toString().equals("step-" + step)) {
                    ModelDirectory.deleteRecursively(p);
                }
            }
        }
        ModelDirectory.deleteRecursively(run.resolve("model"));
    }
}
