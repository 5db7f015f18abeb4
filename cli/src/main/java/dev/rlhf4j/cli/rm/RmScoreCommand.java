package dev.rlhf4j.cli.rm;

import ai.djl.ndarray.NDManager;
import dev.rlhf4j.core.io.JsonLines;
import dev.rlhf4j.core.tokenizer.Tokenizer;
import dev.rlhf4j.data.io.OutputFiles;
import dev.rlhf4j.rm.LineScorer;
import dev.rlhf4j.rm.RewardInputs;
import dev.rlhf4j.rm.RewardModel;
import dev.rlhf4j.rm.RewardScorer;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code rlhf4j rm score --model DIR --data FILE.jsonl [--out FILE]}: writes every record back with
 * its raw score(s) added, and a summary line with the throughput. A line may hold a pair (adds
 * {@code reward_chosen} and {@code reward_rejected}), or {@code prompt}/{@code response}, {@code
 * messages} or {@code text} (adds {@code reward}); {@link dev.rlhf4j.rm.ScoreRecord} reads it.
 *
 * Scores are raw; the model's stored normalisation is printed in the summary. {@code --out} is
 * written beside its name and renamed into place at the end, and may not be the {@code --data}
 * file. Errors and exit codes: {@code dev.rlhf4j.cli.ErrorHandler} (1 a data or model error).
 */
@Command(name = "score", mixinStandardHelpOptions = true,
        description = "Score JSONL records (pairs, prompt/response, messages or text) with a reward model.")
public final class RmScoreCommand implements Callable<Integer> {

    private static final int CHUNK = 512;

    @CommandLine.Spec CommandLine.Model.CommandSpec spec;

    @Option(names = "--model", required = true, paramLabel = "DIR", description = "reward model directory")
    Path model;

    @Option(names = "--data", required = true, paramLabel = "FILE.jsonl", description = "records to score")
    Path data;

    @Option(names = "--out", paramLabel = "FILE.jsonl", description = "where the scored records go (default: standard output)")
    Path out;

    @Option(names = "--batch-size", defaultValue = "16", description = "sequences per forward pass (default: ${DEFAULT-VALUE})")
    int batchSize;

    @Option(names = "--max-length", description = "longest input in tokens (default: the model's max_position_embeddings)")
    Integer maxLength;

    @Override
    public Integer call() throws IOException {
        long startNanos = System.nanoTime();
        long records;
        long sequences;
        long distinct;
        long tokens;
        String normalization;
        if (out != null) {
            try {
                OutputFiles.checkNotAnInput("--out", out, List.of(data));
            } catch (IllegalArgumentException e) {
                throw new CommandLine.ParameterException(spec.commandLine(), e.getMessage(), e);
            }
        }
        Path temp = out != null ? OutputFiles.temporaryFor(out) : null;
        // file is null without --out: try-with-resources then closes nothing, and standard output stays open
        try (NDManager m = NDManager.newBaseManager(); Tokenizer tok = Tokenizer.load(model);
                RewardModel rm = RewardModel.load(model, m);
                Writer file = temp != null ? Files.newBufferedWriter(temp, StandardCharsets.UTF_8) : null) {
            Writer sink = file != null ? file : spec.commandLine().getOut();
            normalization = String.format(Locale.ROOT, "mean %.4f std %.4f", rm.normalization().mean(),
                    rm.normalization().std());
            RewardInputs inputs = RewardInputs.forModel(rm, tok, maxLength);
            RewardScorer scorer = new RewardScorer(rm, inputs, batchSize, m);
            LineScorer lines = new LineScorer(inputs, scorer);
            JsonLines.forEach(data, line -> {
                lines.add(line);
                if (lines.pending() == CHUNK) {
                    write(lines.flush(), sink);
                }
            });
            write(lines.flush(), sink);
            records = lines.records();
            sequences = lines.sequences();
            distinct = lines.distinct();
            tokens = lines.tokens();
        } catch (IOException | RuntimeException e) {
            if (temp != null) {
                Files.deleteIfExists(temp); // an existing --out file stays as it was
            }
            throw e;
        }
        if (temp != null) {
            OutputFiles.commit(temp, out);
        }
        double seconds = (System.nanoTime() - startNanos) / 1e9;
        PrintWriter err = spec.commandLine().getErr();
        err.printf(Locale.ROOT, "rlhf4j rm score: %d records, %d sequences (%d distinct, %d tokens) in %.1f s:"
                + " %.1f sequences/s, %.0f tokens/s; raw scores (stored normalisation %s)%n", records, sequences,
                distinct, tokens, seconds, sequences / seconds, tokens / seconds, normalization);
        err.flush();
        return 0;
    }

    private static void write(List<String> lines, Writer w) {
        try {
            for (String line : lines) {
                w.write(line);
                w.write('\n');
            }
            w.flush();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write scored records: " + e.getMessage(), e);
        }
    }
}
