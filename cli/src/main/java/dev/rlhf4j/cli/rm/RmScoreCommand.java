package dev.rlhf4j.cli.rm;

import ai.djl.ndarray.NDManager;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.rlhf4j.core.io.JsonLines;
import dev.rlhf4j.core.tokenizer.ChatMessage;
import dev.rlhf4j.core.tokenizer.Tokenizer;
import dev.rlhf4j.data.io.OutputFiles;
import dev.rlhf4j.rm.RewardInputs;
import dev.rlhf4j.rm.RewardModel;
import dev.rlhf4j.rm.RewardScorer;
import dev.rlhf4j.rm.data.PairFiles;
import dev.rlhf4j.rm.data.PreferencePair;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code rlhf4j rm score --model DIR --data FILE.jsonl [--out FILE]}: writes every record back with
 * its raw score(s) added, and a summary line with the throughput. What a line may hold:
 *
 * <ul>
 *   <li>a pair (canonical record or RewardBench row): adds {@code reward_chosen} and {@code
 *       reward_rejected};
 *   <li>{@code prompt} (a string or messages, optional) and {@code response} (a string or
 *       messages): adds {@code reward} (strings: plain text {@code prompt + response}; messages:
 *       the chat template, see {@link RewardInputs});
 *   <li>{@code messages}: a whole conversation whose last turn is the response: adds {@code reward};
 *   <li>{@code text}: the text as it is (plus EOS): adds {@code reward}.
 * </ul>
 *
 * Scores are raw; the model's stored normalisation is printed in the summary. {@code --out} is
 * written beside its name and renamed into place at the end, and may not be the {@code --data}
 * file. Errors and exit codes: {@code dev.rlhf4j.cli.ErrorHandler} (1 a data or model error).
 */
@Command(name = "score", mixinStandardHelpOptions = true,
        description = "Score JSONL records (pairs, prompt/response, messages or text) with a reward model.")
public final class RmScoreCommand implements Callable<Integer> {

    private static final ObjectMapper JSON = new ObjectMapper();
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

    /** One line: the object to write back and the index of its first sequence (1 or 2 of them). */
    private record Item(ObjectNode node, boolean pair, int first) {}

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
            RewardInputs inputs = new RewardInputs(tok, maxLength != null ? maxLength : rm.config().maxPositions());
            RewardScorer scorer = new RewardScorer(rm, inputs, batchSize, m);
            List<Item> items = new ArrayList<>();
            List<long[]> seqs = new ArrayList<>();
            long[] counts = new long[4];
            JsonLines.forEach(data, line -> {
                items.add(parse(line, inputs, seqs));
                if (items.size() == CHUNK) {
                    flush(items, seqs, scorer, sink, counts);
                }
            });
            flush(items, seqs, scorer, sink, counts);
            records = counts[0];
            sequences = counts[1];
            distinct = counts[2];
            tokens = counts[3];
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

    private static Item parse(JsonLines.Line line, RewardInputs inputs, List<long[]> seqs) {
        JsonNode n = line.value();
        int first = seqs.size();
        ObjectNode node = (ObjectNode) n;
        if (n.has("chosen") && n.has("rejected")) {
            PreferencePair p = PairFiles.parse(n, line.where());
            seqs.add(inputs.side(p, true));
            seqs.add(inputs.side(p, false));
            return new Item(node, true, first);
        }
        if (n.has("response")) {
            JsonNode prompt = n.get("prompt");
            JsonNode response = n.get("response");
            if (response.isTextual() && (prompt == null || prompt.isNull() || prompt.isTextual())) {
                seqs.add(inputs.text(prompt == null || prompt.isNull() ? "" : prompt.asText(), response.asText()));
            } else {
                seqs.add(inputs.conversation(messages(prompt, line, "prompt", "user"),
                        messages(response, line, "response", "assistant")));
            }
        } else if (n.has("messages")) {
            List<ChatMessage> all = messages(n.get("messages"), line, "messages", "user");
            if (all.isEmpty()) {
                throw new IllegalArgumentException(line.where() + ": field \"messages\" is empty");
            }
            seqs.add(inputs.conversation(all.subList(0, all.size() - 1), all.subList(all.size() - 1, all.size())));
        } else if (n.has("text")) {
            seqs.add(inputs.finish(inputs.tokenizer().encode(line.text("text"))));
        } else {
            throw new IllegalArgumentException(line.where() + ": nothing to score: expected chosen/rejected (a pair),"
                    + " response (with an optional prompt), messages, or text");
        }
        return new Item(node, false, first);
    }

    private static List<ChatMessage> messages(JsonNode v, JsonLines.Line line, String key, String roleOfString) {
        if (v == null || v.isNull()) {
            return List.of();
        }
        if (v.isTextual()) {
            return List.of(new ChatMessage(roleOfString, v.asText()));
        }
        if (!v.isArray()) {
            throw new IllegalArgumentException(line.where() + ": field \"" + key
                    + "\" must be a string or a list of {role, content} messages");
        }
        List<ChatMessage> out = new ArrayList<>();
        for (JsonNode m : v) {
            if (!m.path("role").isTextual() || !m.path("content").isTextual()) {
                throw new IllegalArgumentException(line.where() + ": field \"" + key
                        + "\" must hold {role, content} messages with string values");
            }
            out.add(new ChatMessage(m.get("role").asText(), m.get("content").asText()));
        }
        return out;
    }

    /**
     * Scores the pending lines and writes them; counts: [0] records, [1] sequences, [2] distinct
     * sequences, [3] their tokens.
     */
    private static void flush(List<Item> items, List<long[]> seqs, RewardScorer scorer, Writer w, long[] counts) {
        if (items.isEmpty()) {
            return;
        }
        float[] scores = scorer.scoreSequences(seqs);
        try {
            for (Item it : items) {
                if (it.pair()) {
                    it.node().put("reward_chosen", scores[it.first()]);
                    it.node().put("reward_rejected", scores[it.first() + 1]);
                } else {
                    it.node().put("reward", scores[it.first()]);
                }
                w.write(JSON.writeValueAsString(it.node()));
                w.write('\n');
            }
            w.flush();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write scored records: " + e.getMessage(), e);
        }
        counts[0] += items.size();
        counts[1] += seqs.size();
        List<long[]> unique = RewardScorer.unique(seqs);
        counts[2] += unique.size();
        for (long[] u : unique) {
            counts[3] += u.length;
        }
        items.clear();
        seqs.clear();
    }
}
