package dev.rlhf4j.cli.demo;

import dev.rlhf4j.demo.DemoRun;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code rlhf4j demo [--quick] [--out DIR] [--set k=v ...]}: the whole chain on the built-in task. */
@Command(name = "demo", mixinStandardHelpOptions = true, description = "Run the whole chain on the built-in review task (CPU, minutes).")
public final class DemoCommand implements Callable<Integer> {
    @Option(names = "--quick", description = "a smoke run in under 2 minutes") boolean quick;
    @Option(names = "--out", description = "run directory (default runs/demo, runs/demo-quick with --quick)") Path out;
    @Option(names = "--set", description = "override a key of configs/demo.yaml (repeatable)") List<String> overrides = new ArrayList<>();

    @Override
    public Integer call() throws Exception {
        // the demo's models are tiny: one libtorch thread is as fast and never stalls on a busy machine
        if (System.getProperty("ai.djl.pytorch.num_threads") == null) {
            System.setProperty("ai.djl.pytorch.num_threads", "1");
        }
        Path dir = out != null ? out : Path.of("runs", quick ? "demo-quick" : "demo");
        new DemoRun(dir, quick, overrides).execute();
        System.out.println("report: " + dir.resolve("report.html").toAbsolutePath());
        return 0;
    }
}
