package dev.rlhf4j.spark;

import ai.djl.ndarray.NDManager;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.rlhf4j.core.checkpoint.ModelDirectory;
import dev.rlhf4j.core.model.CausalLM;
import dev.rlhf4j.core.model.ModelConfig;
import dev.rlhf4j.core.tokenizer.Tokenizer;
import dev.rlhf4j.ppo.BestOfN;
import dev.rlhf4j.ppo.BestOfNOutput;
import dev.rlhf4j.ppo.PromptSource;
import dev.rlhf4j.ppo.RewardModels;
import dev.rlhf4j.ppo.SequenceScorer;
import dev.rlhf4j.rm.RewardModel;
import java.io.Serializable;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.apache.spark.api.java.JavaPairRDD;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.storage.StorageLevel;
import scala.Tuple2;

/**
 * {@code rlhf4j best-of-n} as a Spark job. The driver reads the prompts as the command does; the
 * command's generation batches ({@code batch_size} rows of the prompts × n layout) are split into
 * contiguous ranges, one task each. A task borrows a policy and a reward model from its executor's
 * {@link ModelPool} and runs its batches with {@link BestOfN#sampleBatches}, which seeds batch b
 * by its number, so the draws are the command's whichever task runs them. The draws are grouped by
 * prompt (exactly n each, or the job fails), ranked, and written with the command's own records
 * ({@link BestOfNOutput}) in prompt order: the parts, concatenated, are the command's files.
 */
public final class BestOfNJob {

    private static final ObjectMapper JSON = new ObjectMapper();

    /** A test's failure of one sampling task (local mode: the test's JVM); {@code null} outside tests. */
    static volatile TaskFault fault;

    private BestOfNJob() {}

    /** What was sampled: the command's counts and curve, and the job's time. */
    public record Summary(BestOfNOutput.Summary counts, double seconds) {
        public String report() {
            return String.format(Locale.ROOT, "rlhf4j spark best-of-n: %d prompts x %d samples in %.1f s (%.1f samples/s),"
                    + " EOS rate %.3f, %d best samples without EOS%n%s", counts.prompts(), counts.samples()
                    / counts.prompts(), seconds, counts.samples() / seconds, counts.eosRate(), counts.bestWithoutEos(),
                    counts.curveReport());
        }
    }

    /** A prompt's output lines and summary. */
    private record PromptOut(String best, List<String> samples, BestOfNOutput.Summary summary) implements Serializable {}

    /** The models of one task slot: the policy (frozen) and the reward model as PPO scores with it. */
    private static final class Models {
        final NDManager manager = NDManager.newBaseManager();
        final Tokenizer tokenizer;
        final CausalLM policy;
        final SequenceScorer scorer;

        Models(BestOfNSettings s) {
            tokenizer = Tokenizer.load(Path.of(s.policy()));
            policy = ModelDirectory.loadCausalLM(Path.of(s.policy()), manager, true);
            policy.setTrainable(false);
            scorer = RewardModels.scorer(RewardModel.load(Path.of(s.rewardModel()), manager),
                    Tokenizer.load(Path.of(s.rewardModel())));
        }
    }

    /**
     * Runs the sampling.
     *
     * @throws IllegalArgumentException when an output exists or the prompt file holds no prompts;
     *     a bad prompt line fails the job with the command's message (naming file and line)
     */
    public static Summary run(JavaSparkContext sc, BestOfNSettings s) {
        long start = System.nanoTime();
        for (String out : s.all() == null ? List.of(s.output()) : List.of(s.output(), s.all())) {
            if (Files.exists(Path.of(out))) {
                throw new IllegalArgumentException(out + " exists: Spark writes a new directory of parts; remove it"
                        + " or name another");
            }
        }
        List<PromptSource.Prompt> prompts = prompts(s);
        long batches = BestOfN.batches(prompts.size(), s.n(), s.batchSize());
        int tasks = (int) Math.min(s.partitions(), batches);
        List<long[]> ranges = new ArrayList<>(tasks);
        for (int t = 0; t < tasks; t++) {
            ranges.add(new long[] {t, batches * t / tasks, batches * (t + 1) / tasks});
        }
        Broadcast<List<PromptSource.Prompt>> shared = sc.broadcast(prompts);
        TaskFault injected = fault;
        JavaPairRDD<Integer, Iterable<Tuple2<Integer, BestOfN.Draw>>> byPrompt = sc.parallelize(ranges, tasks)
                .flatMapToPair(range -> sample(range, shared.value(), s, injected))
                .mapToPair(d -> new Tuple2<>((int) (d._1() / s.n()), new Tuple2<>((int) (d._1() % s.n()), d._2())))
                .groupByKey(tasks);
        JavaRDD<PromptOut> out = byPrompt
                .mapToPair(g -> new Tuple2<>(g._1(), rank(g._1(), g._2(), shared.value(), s)))
                .sortByKey(true, tasks)
                .values()
                .persist(StorageLevel.MEMORY_AND_DISK());
        try {
            out.map(PromptOut::best).saveAsTextFile(s.output());
            if (s.all() != null) {
                out.flatMap(p -> p.samples().iterator()).saveAsTextFile(s.all());
            }
            BestOfNOutput.Summary counts = out.map(PromptOut::summary).reduce(BestOfNOutput.Summary::plus);
            if (counts.prompts() != prompts.size()) {
                throw new IllegalStateException("sampled " + counts.prompts() + " of " + prompts.size()
                        + " prompts: a task's draws were lost");
            }
            return new Summary(counts, (System.nanoTime() - start) / 1e9);
        } finally {
            out.unpersist(false);
            shared.destroy();
        }
    }

    /** The prompts as {@code best-of-n} reads them: the policy's tokenizer, cut to leave room for the response. */
    private static List<PromptSource.Prompt> prompts(BestOfNSettings s) {
        Path policy = Path.of(s.policy());
        int maxPositions = ModelConfig.read(policy.resolve("config.json")).maxPositions();
        int maxPromptLength = maxPositions - s.sampling().maxNewTokens();
        if (maxPromptLength < 1) {
            throw new IllegalArgumentException("max_new_tokens must be below the policy's max_position_embeddings ("
                    + maxPositions + "), but is: " + s.sampling().maxNewTokens());
        }
        List<PromptSource.Prompt> prompts;
        try (Tokenizer tok = Tokenizer.load(policy)) {
            prompts = PromptSource.read(Path.of(s.prompts()), tok, maxPromptLength);
        }
        if (prompts.isEmpty()) {
            throw new IllegalArgumentException(s.prompts() + ": no prompts in the file");
        }
        return prompts;
    }

    /** One task: batches {@code [range[1], range[2])}, as (row, draw). */
    private static Iterator<Tuple2<Long, BestOfN.Draw>> sample(long[] range, List<PromptSource.Prompt> prompts,
            BestOfNSettings s, TaskFault fault) {
        String key = "best-of-n\u0000" + s.policy() + "\u0000" + s.rewardModel();
        Models m = ModelPool.borrow(key, s.torchThreads(), () -> new Models(s));
        List<Tuple2<Long, BestOfN.Draw>> rows = new ArrayList<>();
        try {
            List<BestOfN.Draw> draws = BestOfN.sampleBatches(m.policy, m.tokenizer, m.scorer, prompts, s.n(),
                    s.sampling(), s.batchSize(), range[1], range[2], m.manager);
            long first = range[1] * s.batchSize();
            for (int i = 0; i < draws.size(); i++) {
                rows.add(new Tuple2<>(first + i, draws.get(i)));
            }
        } finally {
            ModelPool.giveBack(key, m);
        }
        return TaskFault.rows(fault, (int) range[0], rows);
    }

    /** One prompt's n draws, put back in sampling order and ranked, as the command's lines. */
    private static PromptOut rank(int index, Iterable<Tuple2<Integer, BestOfN.Draw>> group,
            List<PromptSource.Prompt> prompts, BestOfNSettings s) throws JsonProcessingException {
        BestOfN.Draw[] draws = new BestOfN.Draw[s.n()];
        int count = 0;
        for (Tuple2<Integer, BestOfN.Draw> d : group) {
            if (count++ == s.n() || draws[d._1()] != null) {
                throw new IllegalStateException("prompt " + (index + 1) + ": sample " + (d._1() + 1)
                        + " was drawn twice: a task's draws were counted twice");
            }
            draws[d._1()] = d._2();
        }
        if (count != s.n()) {
            throw new IllegalStateException("prompt " + (index + 1) + ": " + count + " of " + s.n()
                    + " samples: a task's draws were lost");
        }
        BestOfN.Result r = new BestOfN.Result(prompts.get(index), List.of(draws), s.missingEos());
        List<String> samples = new ArrayList<>();
        if (s.all() != null) {
            for (Map<String, Object> line : BestOfNOutput.sampleRecords(index, r)) {
                samples.add(JSON.writeValueAsString(line));
            }
        }
        return new PromptOut(JSON.writeValueAsString(BestOfNOutput.bestRecord(index, r)), samples,
                BestOfNOutput.Summary.of(r));
    }
}
