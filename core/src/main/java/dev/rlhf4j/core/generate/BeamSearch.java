package dev.rlhf4j.core.generate;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import dev.rlhf4j.core.model.CausalLM;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Beam search, batched over prompts and beams with the KV cache: the rules of transformers'
 * {@code generate(num_beams=N, do_sample=False)} (GenerationMixin._beam_search, 5.x), step for
 * step, so that it returns the same hypotheses and scores.
 *
 * <p>Each step, for every prompt:
 *
 * <ol>
 *   <li>the log-softmax (float32) of each running beam's next-token logits plus the beam's score
 *       (its summed log-probabilities) gives N·V candidates; the best K = max(2, 1 + #EOS)·N are
 *       kept, so that N candidates without EOS always remain;
 *   <li>a candidate ending with EOS or a stop token, or reaching {@code max_new_tokens}, is
 *       finished; the best N unfinished ones are the next running beams, and the KV cache rows
 *       are index-selected to follow them;
 *   <li>finished candidates among the first N of the K enter the prompt's N finished hypotheses
 *       with score {@code sum_logprobs / generated_length ^ length_penalty} if they beat the
 *       worst one (those ranked N+1..K are never kept);
 *   <li>the prompt is done when no running beam can improve on the finished ones (see {@link
 *       BeamConfig.EarlyStopping}); a done prompt is frozen and its rows leave the batch.
 * </ol>
 *
 * <p>At the first step every beam of a prompt is the prompt itself: the prompt runs once (one
 * row per prompt), its cache rows are repeated N times, and beams 2..N start at -1e9 so that the
 * first candidates are N distinct tokens of one beam (as transformers does). With one beam this
 * is greedy decoding ({@link Generator}), since transformers then runs its greedy search.
 *
 * <p>Dimensions: A prompts still searching, N beams, R = A·N rows, V vocabulary, K candidates.
 */
public final class BeamSearch {
    /** transformers' score of the beams that must not be picked at the first step. */
    private static final float EXCLUDED = -1e9f;

    private final CausalLM model;
    private final int padId;
    private final List<Integer> eosIds;

    public BeamSearch(CausalLM model, int padId, List<Integer> eosIds) {
        this.model = model;
        this.padId = padId;
        this.eosIds = List.copyOf(eosIds);
    }

    /** A finished hypothesis: its score and generated tokens with their log-probabilities. */
    private record Hypothesis(float score, long[] tokens, float[] logProbs) {}

    /** The best {@code cfg.numReturnSequences()} hypotheses of each prompt (token ids, without padding). */
    public BeamGeneration generate(List<long[]> prompts, BeamConfig cfg, NDManager parent) {
        if (cfg.numBeams() == 1) {
            return greedy(prompts, cfg, parent);
        }
        Set<Long> stops = new HashSet<>();
        eosIds.forEach(id -> stops.add((long) id));
        cfg.stopIds().forEach(id -> stops.add((long) id));
        int n = cfg.numBeams();
        int b = prompts.size();
        int maxNew = cfg.maxNewTokens();
        long vocab = model.config().vocabSize();
        int candidates = Math.max(2, 1 + stops.size()) * n;
        if (candidates > vocab) {
            throw new IllegalArgumentException("num_beams " + n + " keeps " + candidates
                    + " candidates per step (max(2, 1 + EOS and stop ids) x num_beams), more than the vocabulary of "
                    + vocab + " tokens");
        }

        float[][] running = new float[b][n]; // each running beam's summed log-probabilities
        long[][][] runTokens = new long[b][n][maxNew];
        float[][][] runLogProbs = new float[b][n][maxNew];
        List<List<Hypothesis>> finished = new ArrayList<>(); // per prompt, best first, at most N
        boolean[] canImprove = new boolean[b]; // transformers' is_early_stop_heuristic_unsatisfied
        List<Integer> active = new ArrayList<>(); // prompts still searching, in row order (N rows each)
        for (int i = 0; i < b; i++) {
            Arrays.fill(running[i], 1, n, EXCLUDED);
            finished.add(new ArrayList<>());
            canImprove[i] = true;
            active.add(i);
        }

        try (NDManager genManager = parent.newSubManager();
                DecodingBatch batch = new DecodingBatch(model, prompts, padId, maxNew, true, genManager)) {
            for (int step = 0; step < maxNew && !active.isEmpty(); step++) {
                int a = active.size();
                int k = candidates;
                float[] topScores;
                long[] topIndices;
                float[] topLogProbs;
                // 1. the best K continuations of each prompt's beams, by summed log-probabilities
                try (NDManager m = genManager.newSubManager()) {
                    NDArray logits = batch.nextLogits(m); // (R, V); (A, V) at the first step
                    if (step == 0) {
                        long[] copies = repeatEach(a, n);
                        logits = logits.get(new NDIndex("{}", m.create(copies))); // (R, V)
                        batch.selectRows(copies);
                    }
                    NDArray logp = logits.toType(DataType.FLOAT32, false).logSoftmax(1); // (R, V)
                    float[] beamScores = new float[a * n];
                    for (int r = 0; r < a; r++) {
                        System.arraycopy(running[active.get(r)], 0, beamScores, r * n, n);
                    }
                    NDArray total = logp.add(m.create(beamScores).reshape(a * n, 1)).reshape(a, n * vocab); // (A, N·V)
                    NDList top = total.topK(k, 1, true, true); // values, indices: (A, K) best first
                    NDArray indices = top.get(1).toType(DataType.INT64, false);
                    topScores = top.get(0).toFloatArray();
                    topIndices = indices.toLongArray();
                    topLogProbs = logp.reshape(a, n * vocab).gather(indices, 1).toFloatArray(); // (A, K)
                }

                boolean last = step == maxNew - 1;
                List<Integer> stillActive = new ArrayList<>();
                List<Long> nextRows = new ArrayList<>();
                List<Long> nextTokens = new ArrayList<>();
                for (int r = 0; r < a; r++) {
                    int i = active.get(r);
                    float[] nextRunning = new float[n];
                    long[][] nextTokensOfBeam = new long[n][];
                    float[][] nextLogProbsOfBeam = new float[n][];
                    long[] parentRow = new long[n];
                    int kept = 0;
                    List<Hypothesis> done = new ArrayList<>();
                    for (int c = 0; c < k; c++) { // 2. the best N unfinished go on; finished among the first N are kept
                        int at = r * k + c;
                        int beam = (int) (topIndices[at] / vocab);
                        long token = topIndices[at] % vocab;
                        long[] tokens = runTokens[i][beam].clone();
                        float[] logProbs = runLogProbs[i][beam].clone();
                        tokens[step] = token;
                        logProbs[step] = topLogProbs[at];
                        if (!last && !stops.contains(token)) {
                            if (kept < n) {
                                nextRunning[kept] = topScores[at];
                                nextTokensOfBeam[kept] = tokens;
                                nextLogProbsOfBeam[kept] = logProbs;
                                parentRow[kept] = (long) r * n + beam;
                                kept++;
                            }
                        } else if (c < n) {
                            float score = topScores[at] / lengthPenalty(step + 1, cfg.lengthPenalty());
                            done.add(new Hypothesis(score, Arrays.copyOf(tokens, step + 1),
                                    Arrays.copyOf(logProbs, step + 1)));
                        }
                    }
                    // 3. the prompt's N best finished hypotheses
                    List<Hypothesis> hyps = finished.get(i);
                    hyps.addAll(done);
                    hyps.sort(Comparator.comparing(Hypothesis::score).reversed()); // stable: earlier first on ties
                    while (hyps.size() > n) {
                        hyps.remove(hyps.size() - 1);
                    }
                    if (last) {
                        continue;
                    }
                    running[i] = nextRunning;
                    runTokens[i] = nextTokensOfBeam;
                    runLogProbs[i] = nextLogProbsOfBeam;
                    if (hyps.size() == n) {
                        // 4. is the prompt done: can the best running beam still beat the worst finished hypothesis?
                        int length = cfg.earlyStopping() == BeamConfig.EarlyStopping.NEVER && cfg.lengthPenalty() > 0
                                ? maxNew : step + 1;
                        float best = running[i][0] / lengthPenalty(length, cfg.lengthPenalty());
                        canImprove[i] &= best > hyps.get(n - 1).score();
                    }
                    boolean full = hyps.size() == n && cfg.earlyStopping() == BeamConfig.EarlyStopping.TRUE;
                    if (canImprove[i] && !full) {
                        stillActive.add(i);
                        for (int j = 0; j < n; j++) {
                            nextRows.add(parentRow[j]);
                            nextTokens.add(runTokens[i][j][step]);
                        }
                    }
                }
                active = stillActive;
                if (!active.isEmpty()) {
                    // the cache follows the selected beams; prompts that are done leave the batch
                    batch.selectRows(nextRows.stream().mapToLong(Long::longValue).toArray());
                    batch.append(nextTokens.stream().mapToLong(Long::longValue).toArray());
                }
            }
        }
        return best(finished, cfg.numReturnSequences(), stops);
    }

    /** {@code length ^ penalty} as transformers divides by it: a double rounded to float32. */
    private static float lengthPenalty(int length, float penalty) {
        return (float) Math.pow(length, penalty);
    }

    private static long[] repeatEach(int rows, int times) {
        long[] out = new long[rows * times];
        for (int i = 0; i < out.length; i++) {
            out[i] = i / times;
        }
        return out;
    }

    private BeamGeneration best(List<List<Hypothesis>> finished, int perPrompt, Set<Long> stops) {
        int rows = finished.size() * perPrompt;
        long[][] tokens = new long[rows][];
        float[][] logProbs = new float[rows][];
        int[] lengths = new int[rows];
        boolean[] ended = new boolean[rows];
        float[] scores = new float[rows];
        for (int i = 0; i < finished.size(); i++) {
            List<Hypothesis> hyps = finished.get(i);
            if (hyps.size() < perPrompt) {
                throw new IllegalStateException("prompt " + i + " finished " + hyps.size() + " hypotheses, fewer than "
                        + perPrompt);
            }
            for (int j = 0; j < perPrompt; j++) {
                Hypothesis h = hyps.get(j);
                int row = i * perPrompt + j;
                tokens[row] = h.tokens();
                logProbs[row] = h.logProbs();
                lengths[row] = h.tokens().length;
                ended[row] = stops.contains(h.tokens()[h.tokens().length - 1]);
                scores[row] = h.score();
            }
        }
        return new BeamGeneration(Generation.padded(tokens, logProbs, lengths, ended, padId), scores, perPrompt);
    }

    /** One beam: transformers' greedy search, scored by the same formula as the hypotheses of a beam search. */
    private BeamGeneration greedy(List<long[]> prompts, BeamConfig cfg, NDManager parent) {
        SamplingConfig greedy = new SamplingConfig(cfg.maxNewTokens(), 1f, 0, 1f, true, cfg.stopIds(), 0);
        Generation g = new Generator(model, padId, eosIds).generate(prompts, greedy, parent);
        float[] scores = new float[g.batchSize()];
        for (int i = 0; i < scores.length; i++) {
            float sum = 0;
            for (int t = 0; t < g.lengths()[i]; t++) {
                sum += g.logProbs()[i][t];
            }
            scores[i] = sum / lengthPenalty(g.lengths()[i], cfg.lengthPenalty());
        }
        return new BeamGeneration(g, scores, 1);
    }
}
