package dev.rlhf4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.rlhf4j.ppo.PpoMetrics;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** The README's PPO metrics table names exactly the keys PPO logs ({@link PpoMetrics}). */
class MetricsDocTest {

    @Test
    void readmeListsEveryPpoMetricKey() throws Exception {
        Path dir = Path.of("").toAbsolutePath();
        while (!Files.exists(dir.resolve("README.md")) || !Files.isDirectory(dir.resolve("configs"))) {
            dir = dir.getParent();
        }
        String readme = Files.readString(dir.resolve("README.md"));
        String section = readme.substring(readme.indexOf("## Metrics"), readme.indexOf("\n## ", readme.indexOf("## Metrics") + 1));
        Set<String> documented = new TreeSet<>();
        Matcher m = Pattern.compile("`([a-z_]+/[a-z_0-9*<>]+)`").matcher(section);
        while (m.find()) {
            documented.add(m.group(1));
        }
        documented.remove("policy/first_*"); // the two first_ keys, written as one
        documented.remove("eval/<name>");
        Set<String> logged = new TreeSet<>(PpoMetrics.ALL);
        logged.remove(PpoMetrics.FIRST_RATIO_MEAN);
        logged.remove(PpoMetrics.FIRST_CLIPFRAC);
        assertEquals(logged, documented);
    }
}
