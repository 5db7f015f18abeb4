package dev.rlhf4j.cli.rm;

import ai.djl.ndarray.NDManager;
import dev.rlhf4j.core.tokenizer.Tokenizer;
import dev.rlhf4j.data.io.OutputFiles;
import dev.rlhf4j.rm.RewardInputs;
import dev.rlhf4j.rm.RewardModel;
import dev.rlhf4j.rm.RewardScorer;
import dev.rlhf4j.rm.data.PairFiles;
import dev.rlhf4j.rm.data.PreferencePair;
import dev.rlhf4j.rm.eval.EvalReport;
import dev.rlhf4j.rm.eval.PairMetrics.Accuracy;
import dev.rlhf4j.rm.eval.RewardEvaluator;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code rlhf4j rm eval --model DIR --data FILE... [--out report.json] [--html report.html]}: scores
 * every pair and prints the summary; the full report ({@link EvalReport}) goes to the JSON and
 * HTML files, the two plots beside them; neither may be one of the {@code --data} files. Errors
 * and exit codes: {@code dev.rlhf4j.cli.ErrorHandler} (1 a data or model error).
 */
@Command(name = "eval", mixinStandardHelpOptions = true,
        description = "Evaluate a reward model on labelled pairs (canonical records or RewardBench rows).")
public final class RmEvalCommand implements Callable<Integer> {

    @CommandLine.Spec CommandLine.Model.CommandSpec spec;

    @Option(names = "--model", required = true, paramLabel = "DIR", description = "reward model directory")
    Path model;

    @Option(names = "--data", required = true, arity = "1..*", paramLabel = "FILE",
            description = "JSONL files of canonical preference records or RewardBench rows")
    List<Path> data;

    @Option(names = "--out", paramLabel = "report.json", description = "write the full report as JSON")
    Path out;

    @Option(names = "--html", paramLabel = "report.html", description = "write the report as one HTML page")
    Path html;

    @Option(names = "--batch-size", defaultValue = "16", description = "sequences per forward pass (default: ${DEFAULT-VALUE})")
    int batchSize;

    @Option(names = "--max-length", description = "longest input in tokens (default: the model's max_position_embeddings)")
    Integer maxLength;

    @Override
    public Integer call() throws IOException {
        EvalReport report;
        long startNanos = System.nanoTime();
        RewardScorer.PairScores scores;
        List<PreferencePair> pairs;
        try {
            if (out != null) {
                OutputFiles.checkNotAnInput("--out", out, data);
            }
            if (html != null) {
                OutputFiles.checkNotAnInput("--html", html, data);
            }
        } catch (IllegalArgumentException e) {
            throw new CommandLine.ParameterException(spec.commandLine(), e.getMessage(), e);
        }
        try (NDManager m = NDManager.newBaseManager(); Tokenizer tok = Tokenizer.load(model);
                RewardModel rm = RewardModel.load(model, m)) {
            pairs = PairFiles.read(data);
            RewardInputs inputs = RewardInputs.forModel(rm, tok, maxLength);
            scores = new RewardScorer(rm, inputs, batchSize, m).scorePairs(pairs);
            report = RewardEvaluator.evaluate(model.toAbsolutePath().normalize().getFileName().toString(), pairs,
                    scores.chosen(), scores.rejected());
            RewardEvaluator.write(report, out, html);
        }
        double seconds = (System.nanoTime() - startNanos) / 1e9;
        PrintWriter w = spec.commandLine().getOut();
        Accuracy a = report.accuracy();
        w.printf(Locale.ROOT, "%s: %d pairs (%d labelled ties excluded), accuracy %.4f (%d correct, %d equal scores"
                        + " counted wrong)%n", report.model(), a.n(), report.labelTies(), a.accuracy(), a.correct(), a.ties());
        w.printf(Locale.ROOT, "roc_auc %s  log_loss %.4f  brier %.4f  ece %.4f%n", f(report.rocAuc()), report.logLoss(),
                report.brier(), report.calibration().ece());
        w.printf(Locale.ROOT, "rewards: chosen mean %.4f std %.4f, rejected mean %.4f std %.4f%n",
                report.chosenRewards().mean(), report.chosenRewards().std(), report.rejectedRewards().mean(),
                report.rejectedRewards().std());
        w.printf(Locale.ROOT, "length bias: pearson(score, length) %s; accuracy chosen longer %s (%d pairs),"
                        + " shorter %s (%d pairs)%n", f(report.lengthBias().pearson()),
                f(report.lengthBias().chosenLonger().accuracy()), report.lengthBias().chosenLonger().n(),
                f(report.lengthBias().chosenShorter().accuracy()), report.lengthBias().chosenShorter().n());
        print(w, "source", report.bySource());
        print(w, "subset", report.bySubset());
        if (report.humanScores() != null) {
            w.printf(Locale.ROOT, "human scores: kendall tau %s, spearman rho %s (%d responses)%n",
                    f(report.humanScores().kendallTau()), f(report.humanScores().spearmanRho()), report.humanScores().n());
        }
        if (report.rewardBench() != null) {
            for (String s : List.of("Chat", "Chat Hard", "Safety", "Reasoning", "Score")) {
                if (report.rewardBench().get(s) instanceof Double d) {
                    w.printf(Locale.ROOT, "rewardbench %s: %.4f%n", s, d);
                }
            }
        }
        w.printf(Locale.ROOT, "scored %d pairs (%d distinct sequences, %d tokens) in %.1f s: %.1f pairs/s%n",
                pairs.size(), scores.sequences(), scores.tokens(), seconds, pairs.size() / seconds);
        w.flush();
        return 0;
    }

    private static void print(PrintWriter w, String what, Map<String, Accuracy> byKey) {
        byKey.entrySet().stream().sorted(Map.Entry.comparingByKey()).forEach(e -> w.printf(Locale.ROOT,
                "  %s %-28s %6d pairs  accuracy %.4f%n", what, e.getKey(), e.getValue().n(), e.getValue().accuracy()));
    }

    /** Four decimals, or "n/a" for an undefined value (no pairs, a constant series). */
    private static String f(double v) {
        return Double.isFinite(v) ? String.format(Locale.ROOT, "%.4f", v) : "n/a";
    }
}
