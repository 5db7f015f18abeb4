package dev.rlhf4j.spark;

import dev.rlhf4j.core.generate.SamplingConfig;
import dev.rlhf4j.data.ImportException;
import dev.rlhf4j.data.clean.ConflictRule;
import dev.rlhf4j.data.importers.FormatOptions;
import dev.rlhf4j.data.split.SplitOptions;
import dev.rlhf4j.ppo.BestOfN;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import org.apache.spark.SparkConf;
import org.apache.spark.SparkException;
import org.apache.spark.api.java.JavaSparkContext;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * The Spark jobs' command line: {@code spark-submit --class dev.rlhf4j.spark.SparkMain
 * rlhf4j-spark.jar import|score ...}, or {@code ./rlhf4j spark import|score ...} on this machine
 * ({@code --master local[*]} unless spark-submit or {@code --master} names another).
 */
@Command(name = "rlhf4j spark", mixinStandardHelpOptions = true,
        description = "Spark jobs: import preference data; score or evaluate it with a reward model; best-of-n sampling.",
        subcommands = {CommandLine.HelpCommand.class, SparkMain.Import.class, SparkMain.Score.class,
            SparkMain.Eval.class, SparkMain.BestOfNSampling.class})
public final class SparkMain implements Runnable {

    @CommandLine.Spec CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        throw new CommandLine.ParameterException(spec.commandLine(), "name a job: import, score, eval or best-of-n");
    }

    public static void main(String[] args) {
        System.exit(new CommandLine(new SparkMain()).setCaseInsensitiveEnumValuesAllowed(true).execute(args));
    }

    /** A failed job's first cause: the task's error (a file and line, a missing field), not Spark's wrapping. */
    static String rootMessage(Throwable e) {
        Throwable t = e;
        while (t.getCause() != null && t.getCause() != t) {
            t = t.getCause();
        }
        return t.getMessage() != null ? t.getMessage() : t.toString();
    }

    /** Options every job takes. */
    static final class SparkOptions {
        @Option(names = "--master", paramLabel = "URL",
                description = "Spark master (default: spark-submit's, else local[*])")
        String master;

        @Option(names = "--partitions", defaultValue = "0", paramLabel = "N",
                description = "tasks of the shuffles and the output (default: Spark's default parallelism)")
        int partitions;

        /** What a job does with its context; its exit code. */
        interface Job {
            int run(JavaSparkContext sc) throws Exception;
        }

        /**
         * Runs {@code job} in a new context, closed after: its exit code, or 1 with the failed
         * task's own message (a file and line, a missing field) when a task failed.
         */
        int run(String name, Job job) throws Exception {
            try (JavaSparkContext sc = start(name)) {
                return job.run(sc);
            } catch (Exception e) {
                // a failed task: Spark throws its (checked) SparkException without declaring it
                if (!(e instanceof SparkException)) {
                    throw e;
                }
                System.err.println("rlhf4j spark " + name + ": " + rootMessage(e));
                return 1;
            }
        }

        private JavaSparkContext start(String job) {
            SparkConf conf = new SparkConf().setAppName("rlhf4j " + job);
            if (master != null) {
                conf.setMaster(master);
            } else {
                conf.setIfMissing("spark.master", "local[*]");
            }
            return new JavaSparkContext(conf);
        }

        int partitions(JavaSparkContext sc) {
            return partitions > 0 ? partitions : sc.defaultParallelism();
        }
    }

    @Command(name = "import", mixinStandardHelpOptions = true,
            description = "rlhf4j data import as a Spark job: one task per input file, the same records, ids and"
                    + " accounting; the output is a directory of parts.")
    static final class Import implements Callable<Integer> {
        @Parameters(arity = "1..*", paramLabel = "INPUT", description = "export files (on a file system every executor sees)")
        List<String> inputs;

        @Option(names = {"-o", "--output"}, required = true, paramLabel = "DIR", description = "output directory (must not exist)")
        String output;

        @Option(names = "--format", defaultValue = "auto", paramLabel = "F", description = "format name or auto (default)")
        String format;

        @Option(names = "--rejects", paramLabel = "FILE", description = "rejects file (default: DIR.rejects.txt)")
        String rejects;

        @Option(names = "--strict", description = "fail at the first rejected record")
        boolean strict;

        @Option(names = "--dedupe", description = "drop exact and normalised duplicates, merging their votes")
        boolean dedupe;

        @Option(names = "--conflicts", defaultValue = "majority", paramLabel = "RULE", description = "majority or drop")
        String conflicts;

        @Option(names = {"-O", "--option"}, paramLabel = "KEY=VALUE", description = "importer option")
        List<String> formatOptions = new ArrayList<>();

        @Option(names = "--source", paramLabel = "NAME", description = "every record's source")
        String source;

        @Option(names = "--split-dir", paramLabel = "DIR",
                description = "also split the output by group, as rlhf4j data split OUTPUT -o DIR does: DIR/train, valid, test")
        Path splitDir;

        @Option(names = "--test", defaultValue = "0.1", description = "with --split-dir: share of records for test (default: ${DEFAULT-VALUE})")
        double test;

        @Option(names = "--valid", defaultValue = "0", description = "with --split-dir: share of records for valid (default: ${DEFAULT-VALUE})")
        double valid;

        @Option(names = "--seed", defaultValue = "42", description = "with --split-dir: seed of the group draw (default: ${DEFAULT-VALUE})")
        long seed;

        @Option(names = "--keep-existing", description = "with --split-dir: keep the split records already have")
        boolean keepExisting;

        @CommandLine.Mixin SparkOptions spark;

        @Override
        public Integer call() throws Exception {
            SplitOptions split = splitDir == null ? null : new SplitOptions(test, valid, seed, keepExisting);
            ConflictRule rule = ConflictRule.valueOf(conflicts.toUpperCase(Locale.ROOT));
            return spark.run("import", sc -> {
                try {
                    ImportSettings s = new ImportSettings(inputs, output, rejects, format, strict, dedupe, rule,
                            FormatOptions.parse(formatOptions).values(), source, 0, 0, spark.partitions(sc));
                    ImportJob.Result result = ImportJob.run(sc, s, split, splitDir);
                    System.out.print(result.summary().report());
                    if (result.split() != null) {
                        System.out.print(result.split().report());
                    }
                    return 0;
                } catch (ImportException e) {
                    System.err.println("rlhf4j spark import: " + e.getMessage());
                    return 1;
                }
            });
        }
    }

    @Command(name = "score", mixinStandardHelpOptions = true,
            description = "rlhf4j rm score as a Spark job: the model loaded once per task slot, lines batched;"
                    + " the output is a directory of parts.")
    static final class Score implements Callable<Integer> {
        @Option(names = "--model", required = true, paramLabel = "DIR", description = "reward model directory")
        Path model;

        @Option(names = "--data", required = true, paramLabel = "FILE.jsonl", description = "records to score")
        String data;

        @Option(names = {"-o", "--output"}, required = true, paramLabel = "DIR", description = "output directory (must not exist)")
        String output;

        @Option(names = "--batch-size", defaultValue = "16", description = "sequences per forward pass (default: ${DEFAULT-VALUE})")
        int batchSize;

        @Option(names = "--max-length", description = "longest input in tokens (default: the model's)")
        Integer maxLength;

        @Option(names = "--torch-threads", defaultValue = "1",
                description = "libtorch threads per task (default: ${DEFAULT-VALUE}; 0: libtorch's default)")
        int torchThreads;

        @CommandLine.Mixin SparkOptions spark;

        @Override
        public Integer call() throws Exception {
            return spark.run("score", sc -> {
                ScoreSettings s = new ScoreSettings(model.toAbsolutePath().toString(), data, output, batchSize,
                        maxLength, spark.partitions(sc), torchThreads);
                System.out.println(ScoreJob.run(sc, s).report());
                return 0;
            });
        }
    }

    @Command(name = "eval", mixinStandardHelpOptions = true,
            description = "rlhf4j rm eval with the scoring as a Spark job; the report is the command's.")
    static final class Eval implements Callable<Integer> {
        @Option(names = "--model", required = true, paramLabel = "DIR", description = "reward model directory")
        Path model;

        @Option(names = "--data", required = true, paramLabel = "FILE.jsonl", description = "pairs (a local file)")
        String data;

        @Option(names = "--out", paramLabel = "report.json", description = "write the full report as JSON")
        Path out;

        @Option(names = "--html", paramLabel = "report.html", description = "write the report as one HTML page")
        Path html;

        @Option(names = "--batch-size", defaultValue = "16", description = "sequences per forward pass (default: ${DEFAULT-VALUE})")
        int batchSize;

        @Option(names = "--max-length", description = "longest input in tokens (default: the model's)")
        Integer maxLength;

        @Option(names = "--torch-threads", defaultValue = "1", description = "libtorch threads per task (default: ${DEFAULT-VALUE})")
        int torchThreads;

        @CommandLine.Mixin SparkOptions spark;

        @Override
        public Integer call() throws Exception {
            return spark.run("eval", sc -> {
                ScoreSettings s = new ScoreSettings(model.toAbsolutePath().toString(), data, "-", batchSize, maxLength,
                        spark.partitions(sc), torchThreads);
                var report = EvalJob.run(sc, s, out, html);
                System.out.printf(Locale.ROOT, "%s: %d pairs, accuracy %.4f, roc_auc %.4f, log_loss %.4f%n",
                        report.model(), report.accuracy().n(), report.accuracy().accuracy(), report.rocAuc(),
                        report.logLoss());
                return 0;
            });
        }
    }

    @Command(name = "best-of-n", mixinStandardHelpOptions = true,
            description = "rlhf4j best-of-n as a Spark job: the generation batches split among tasks, the policy and"
                    + " reward model loaded once per task slot; the outputs are directories of parts.")
    static final class BestOfNSampling implements Callable<Integer> {
        @Option(names = "--model", required = true, paramLabel = "DIR", description = "the policy's model directory")
        Path model;

        @Option(names = "--reward-model", required = true, paramLabel = "DIR", description = "the reward model directory")
        Path rewardModel;

        @Option(names = "--prompts", required = true, paramLabel = "FILE.jsonl",
                description = "PPO prompts (a local file): \"prompt\" or \"messages\" per line, or preference records")
        Path prompts;

        @Option(names = "--n", required = true, description = "samples per prompt")
        int n;

        @Option(names = {"-o", "--output"}, required = true, paramLabel = "DIR",
                description = "the best sample per prompt, as SFT data (a new directory)")
        String output;

        @Option(names = "--all", paramLabel = "DIR", description = "every sample with its score and rank (a new directory)")
        String all;

        @Option(names = "--temperature", defaultValue = "1.0", description = "default: ${DEFAULT-VALUE}") float temperature;
        @Option(names = "--top-k", defaultValue = "0", description = "0 = off (default)") int topK;
        @Option(names = "--top-p", defaultValue = "1.0", description = "1 = off (default)") float topP;
        @Option(names = "--max-new-tokens", defaultValue = "64", description = "default: ${DEFAULT-VALUE}") int maxNewTokens;

        @Option(names = "--batch-size", defaultValue = "16",
                description = "rows per generation batch (default: ${DEFAULT-VALUE}); with the seed, what fixes the samples")
        int batchSize;

        @Option(names = "--seed", defaultValue = "0", description = "the same seed and batch size give the same samples")
        long seed;

        @Option(names = "--missing-eos", defaultValue = "rank_last", description = "rank_last (default) or ignore")
        BestOfN.MissingEos missingEos;

        @Option(names = "--torch-threads", defaultValue = "1",
                description = "libtorch threads per task (default: ${DEFAULT-VALUE}; 0: libtorch's default)")
        int torchThreads;

        @CommandLine.Mixin SparkOptions spark;

        @Override
        public Integer call() throws Exception {
            SamplingConfig sampling = new SamplingConfig(maxNewTokens, temperature, topK, topP, false, List.of(), seed);
            return spark.run("best-of-n", sc -> {
                BestOfNSettings s = new BestOfNSettings(model.toAbsolutePath().toString(),
                        rewardModel.toAbsolutePath().toString(), prompts.toString(), output, all, n, sampling, batchSize,
                        missingEos, spark.partitions(sc), torchThreads);
                System.out.println(BestOfNJob.run(sc, s).report());
                return 0;
            });
        }
    }
}
