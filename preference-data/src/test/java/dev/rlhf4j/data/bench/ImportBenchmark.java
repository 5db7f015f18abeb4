package dev.rlhf4j.data.bench;

import dev.rlhf4j.data.ImportOptions;
import dev.rlhf4j.data.ImportSummary;
import dev.rlhf4j.data.PreferenceImport;
import java.io.BufferedWriter;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.Locale;
import java.util.SplittableRandom;

/**
 * Import benchmark (not a unit test): generates a JSON Lines file of about 200 MB of TRL
 * conversational records (multi-turn prompts, replies of 50–400 words; 3 % exact and 2 %
 * normalised duplicates, 1 % malformed lines) in a temporary directory, imports it with dedupe,
 * and prints records/s, MB/s and the peak heap.
 *
 * <pre>
 * mvn -q -o test-compile -pl preference-data
 * mvn -q -o dependency:build-classpath -pl preference-data -Dmdep.outputFile=/tmp/cp.txt
 * java -Xmx1g -cp preference-data/target/test-classes:preference-data/target/classes:$(cat /tmp/cp.txt) \
 *     dev.rlhf4j.data.bench.ImportBenchmark [MEGABYTES]
 * </pre>
 */
public final class ImportBenchmark {

    private static final String[] WORDS = ("the of and to in is you that it he was for on are as with his they I at be this have from "
            + "or one had by word but not what all were we when your can said there use an each which she do how their if will up "
            + "other about out many then them these so some her would make like him into time has look two more write go see number "
            + "no way could people my than first water been call who oil its now find long down day did get come made may part "
            + "café naïve 東京 Zürich — “quoted” 😀").split(" ");

    private ImportBenchmark() {}

    public static void main(String[] args) throws IOException {
        long targetBytes = (args.length > 0 ? Long.parseLong(args[0]) : 200) * 1_000_000L;
        Path dir = Files.createTempDirectory("rlhf4j-bench");
        try {
            Path in = dir.resolve("bench.jsonl");
            long t0 = System.nanoTime();
            long lines = generate(in, targetBytes);
            long size = Files.size(in);
            System.out.printf(Locale.ROOT, "generated %s: %,d lines, %.1f MB in %.1f s%n", in, lines, size / 1e6,
                    (System.nanoTime() - t0) / 1e9);

            System.gc();
            for (MemoryPoolMXBean pool : ManagementFactory.getMemoryPoolMXBeans()) {
                pool.resetPeakUsage();
            }
            var os = (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
            long cpu0 = os.getProcessCpuTime();
            long thread0 = ManagementFactory.getThreadMXBean().getCurrentThreadCpuTime();
            ImportSummary s = PreferenceImport.run(ImportOptions.builder()
                    .addInput(in)
                    .setOutput(dir.resolve("out.jsonl"))
                    .optFormat("trl")
                    .optDedupe(true)
                    .build());
            double cpuSeconds = (os.getProcessCpuTime() - cpu0) / 1e9;
            double threadSeconds = (ManagementFactory.getThreadMXBean().getCurrentThreadCpuTime() - thread0) / 1e9;
            long peak = 0;
            for (MemoryPoolMXBean pool : ManagementFactory.getMemoryPoolMXBeans()) {
                if (pool.getType() == MemoryType.HEAP) {
                    peak += pool.getPeakUsage().getUsed();
                }
            }
            System.out.print(s.report());
            System.out.printf(Locale.ROOT, "benchmark: %,d records in %.1f s = %,.0f records/s, %.1f MB/s, peak heap %.0f MB (max heap %.0f MB); "
                    + "CPU: import thread %.1f s (%,.0f records/s, %.1f MB/s per CPU second), process %.1f s; load average %.1f on %d cores%n",
                    s.inputRecords(), s.seconds(), s.inputRecords() / s.seconds(), size / 1e6 / s.seconds(), peak / 1e6,
                    Runtime.getRuntime().maxMemory() / 1e6, threadSeconds, s.inputRecords() / threadSeconds, size / 1e6 / threadSeconds,
                    cpuSeconds, os.getSystemLoadAverage(), os.getAvailableProcessors());
        } finally {
            try (var walk = Files.walk(dir)) {
                walk.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }

    private static long generate(Path file, long targetBytes) throws IOException {
        SplittableRandom random = new SplittableRandom(20240601);
        long bytes = 0;
        long lines = 0;
        String previous = null;
        try (BufferedWriter w = Files.newBufferedWriter(file, StandardCharsets.UTF_8)) {
            while (bytes < targetBytes) {
                String line;
                int kind = random.nextInt(100);
                if (kind < 3 && previous != null) {
                    line = previous; // exact duplicate
                } else if (kind < 5 && previous != null) {
                    // normalised duplicate: other case and spacing, and chosen/rejected swapped half of the time
                    line = previous.replace("\"content\": \"", "\"content\": \"  ").replace(" the ", "  THE ");
                } else if (kind < 6) {
                    line = "{\"prompt\": [{\"role\": \"user\", \"content\": \"broken"; // malformed
                } else {
                    line = record(random);
                    previous = line;
                }
                w.write(line);
                w.write('\n');
                bytes += line.getBytes(StandardCharsets.UTF_8).length + 1;
                lines++;
            }
        }
        return lines;
    }

    private static String record(SplittableRandom r) {
        StringBuilder sb = new StringBuilder(4096);
        sb.append("{\"prompt\": [");
        int turns = 1 + 2 * r.nextInt(2);
        for (int t = 0; t < turns; t++) {
            if (t > 0) {
                sb.append(", ");
            }
            sb.append("{\"role\": \"").append(t % 2 == 0 ? "user" : "assistant").append("\", \"content\": \"");
            words(sb, r, 10 + r.nextInt(60));
            sb.append("\"}");
        }
        sb.append("], \"chosen\": [{\"role\": \"assistant\", \"content\": \"");
        words(sb, r, 50 + r.nextInt(350));
        sb.append("\"}], \"rejected\": [{\"role\": \"assistant\", \"content\": \"");
        words(sb, r, 50 + r.nextInt(350));
        sb.append("\"}]}");
        return sb.toString();
    }

    private static void words(StringBuilder sb, SplittableRandom r, int n) {
        for (int i = 0; i < n; i++) {
            if (i > 0) {
                sb.append(r.nextInt(12) == 0 ? "\\n" : " ");
            }
            String w = WORDS[r.nextInt(WORDS.length)];
            sb.append(w.equals("“quoted”") ? "\\\"quoted\\\"" : w);
        }
    }
}
