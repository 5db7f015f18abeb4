package dev.rlhf4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.rlhf4j.dpo.DpoMetrics;
import dev.rlhf4j.ppo.PpoMetrics;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** The README's metrics tables name exactly the keys PPO and DPO log ({@link PpoMetrics}, {@link DpoMetrics}). */
class MetricsDocTest {

    @Test
    void readmeListsEveryPpoMetricKey() throws Exception {
        String section = section("## Metrics");
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

    @Test
    void readmeListsEveryDpoMetricKey() throws Exception {
        String section = section("## DPO");
        String table = section.substring(section.indexOf("| key | meaning |"));
        table = table.substring(0, table.indexOf("\n\n"));
        Set<String> documented = new TreeSet<>();
        Matcher m = Pattern.compile("^\\| (.*?) \\|", Pattern.MULTILINE).matcher(table);
        while (m.find()) {
            Matcher key = Pattern.compile("`([a-z_/]+)`").matcher(m.group(1));
            while (key.find()) {
                documented.add(key.group(1));
            }
        }
        assertEquals(new TreeSet<>(DpoMetrics.ALL), documented);
    }

    private static String section(String heading) throws Exception {
        Path dir = Path.of("").toAbsolutePath();
        while (!Files.exists(dir.resolve("README.md")) || !Files.isDirectory(dir.resolve("configs"))) {
            dir = dir.getParent();
        }
        String readme = Files.readString(dir.resolve("README.md"));
        int start = readme.indexOf("\n" + heading + "\n") + 1;
        return readme.substring(start, readme.indexOf("\n## ", start + 1));
    }
}
