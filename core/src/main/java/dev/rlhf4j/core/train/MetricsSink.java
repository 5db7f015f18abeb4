package dev.rlhf4j.core.train;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.rlhf4j.core.util.Checks;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.LongSupplier;

/**
 * Writes one JSON object per logging step to {@code metrics.jsonl}, and a progress line to the
 * console.
 *
 * <p>File: keys in a fixed order, {@code step, loss, lr, grad_norm, tokens_per_s}, then the stage's
 * keys sorted by name; non-finite numbers are written as the strings {@code "NaN"}, {@code
 * "Infinity"}, {@code "-Infinity"}. Each line is flushed when written, so a killed process keeps
 * every line it logged. When a run resumes from step {@code s} ({@link Builder#optResumeStep}),
 * lines with a step after {@code s} (logged after that checkpoint, and about to be logged again)
 * and a torn last line are dropped first, so the file reads as one uninterrupted run.
 *
 * <p>Console: one line per logging step (no carriage-return redrawing, so it reads the same in a
 * terminal, a pipe and a log file):
 *
 * <pre>
 * step 120/1000  12.0% | loss 2.3456 | lr 3.00e-04 | grad_norm 1.234 | 1534 tok/s | 2.41 step/s | 0:49 &lt; 6:05
 * </pre>
 *
 * where the rate counts steps since this sink was opened and the last two fields are elapsed time
 * and the estimated time left.
 */
public final class MetricsSink implements AutoCloseable {

    private static final ObjectMapper JSON = new ObjectMapper();

    private final BufferedWriter out;
    private final PrintStream console;
    private final LongSupplier nanoClock;
    private final long totalSteps;
    private final long startStep;
    private final long startNanos;
    private long lastNanos;

    private MetricsSink(Builder b) throws IOException {
        this.console = b.console;
        this.nanoClock = b.nanoClock;
        this.totalSteps = b.totalSteps;
        this.startStep = Math.max(0, b.resumeStep);
        if (b.file.getParent() != null) {
            Files.createDirectories(b.file.getParent());
        }
        if (b.resumeStep >= 0 && Files.exists(b.file)) {
            truncateAfter(b.file, b.resumeStep);
        }
        this.out = Files.newBufferedWriter(b.file, StandardCharsets.UTF_8,
                StandardOpenOption.CREATE, StandardOpenOption.APPEND);
        this.startNanos = nanoClock.getAsLong();
        this.lastNanos = startNanos;
    }

    /** A builder; {@link Builder#setFile} is required. */
    public static Builder builder() {
        return new Builder();
    }

    /** Writes the JSON line (flushed) and the console line for one logging step. */
    public void log(StepMetrics m) {
        long now = nanoClock.getAsLong();
        double secondsSinceLast = (now - lastNanos) / 1e9;
        double elapsed = (now - startNanos) / 1e9;
        lastNanos = now;
        double tokensPerS = secondsSinceLast > 0 ? m.tokens() / secondsSinceLast : 0.0;

        ObjectNode line = JSON.createObjectNode();
        line.put("step", m.step());
        line.put("loss", m.loss());
        line.put("lr", m.lr());
        line.put("grad_norm", m.gradNorm());
        line.put("tokens_per_s", tokensPerS);
        for (Map.Entry<String, Object> e : new TreeMap<>(m.extra()).entrySet()) {
            line.set(e.getKey(), JSON.valueToTree(e.getValue()));
        }
        try {
            out.write(JSON.writeValueAsString(line));
            out.write('\n');
            out.flush();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write metrics line for step " + m.step(), e);
        }
        if (console != null) {
            console.println(progressLine(m, tokensPerS, elapsed));
            console.flush();
        }
    }

    String progressLine(StepMetrics m, double tokensPerS, double elapsedSeconds) {
        StringBuilder s = new StringBuilder();
        s.append("step ").append(m.step());
        if (totalSteps > 0) {
            s.append('/').append(totalSteps)
                    .append(String.format(Locale.ROOT, " %5.1f%%", 100.0 * m.step() / totalSteps));
        }
        s.append(String.format(Locale.ROOT, " | loss %.4f | lr %.2e | grad_norm %.3f | %.0f tok/s",
                m.loss(), m.lr(), m.gradNorm(), tokensPerS));
        double rate = elapsedSeconds > 0 ? (m.step() - startStep) / elapsedSeconds : 0.0;
        s.append(String.format(Locale.ROOT, " | %.2f step/s | %s", rate, duration(elapsedSeconds)));
        if (totalSteps > 0 && rate > 0) {
            s.append(" < ").append(duration(Math.max(0, totalSteps - m.step()) / rate));
        }
        return s.toString();
    }

    static String duration(double seconds) {
        long total = Math.round(seconds);
        long h = total / 3600;
        long min = (total % 3600) / 60;
        long sec = total % 60;
        return h > 0
                ? String.format(Locale.ROOT, "%d:%02d:%02d", h, min, sec)
                : String.format(Locale.ROOT, "%d:%02d", min, sec);
    }

    private static void truncateAfter(Path file, long resumeStep) throws IOException {
        List<String> keep = new ArrayList<>();
        for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
            JsonNode node;
            try {
                node = JSON.readTree(line);
            } catch (IOException torn) {
                continue; // the last line of a killed run may be cut short
            }
            if (node != null && node.has("step") && node.get("step").asLong() <= resumeStep) {
                keep.add(line);
            }
        }
        Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
        Files.write(tmp, keep, StandardCharsets.UTF_8);
        Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }

    @Override
    public void close() {
        try {
            out.close();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot close metrics file", e);
        }
    }

    /** Builds a {@link MetricsSink}. */
    public static final class Builder {
        private Path file;
        private long totalSteps;
        private long resumeStep = -1;
        private PrintStream console = System.out;
        private LongSupplier nanoClock = System::nanoTime;

        private Builder() {}

        /** The metrics file, usually {@code <run>/<stage>/metrics.jsonl} (required). */
        public Builder setFile(Path file) {
            this.file = Checks.notNull("metrics file", file);
            return this;
        }

        /** Total steps of the run, for the percentage and the ETA; 0 (default) for unknown. */
        public Builder optTotalSteps(long totalSteps) {
            this.totalSteps = Checks.nonNegative("total_steps", totalSteps);
            return this;
        }

        /** The step a resumed run continues from; lines logged after it are dropped. */
        public Builder optResumeStep(long resumeStep) {
            this.resumeStep = Checks.nonNegative("resume step", resumeStep);
            return this;
        }

        /** Where the progress line goes; default {@code System.out}, {@code null} for none. */
        public Builder optConsole(PrintStream console) {
            this.console = console;
            return this;
        }

        /** The clock (nanoseconds), replaceable in tests; default {@link System#nanoTime}. */
        public Builder optClock(LongSupplier nanoClock) {
            this.nanoClock = Checks.notNull("clock", nanoClock);
            return this;
        }

        /** Opens (creates or appends to) the file. */
        public MetricsSink build() throws IOException {
            Checks.notNull("metrics file", file);
            return new MetricsSink(this);
        }
    }
}
