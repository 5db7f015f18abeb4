package dev.rlhf4j.pipeline;

import ai.djl.ndarray.NDManager;
import dev.rlhf4j.core.tokenizer.Tokenizer;
import dev.rlhf4j.rm.RewardInputs;
import dev.rlhf4j.rm.RewardModel;
import dev.rlhf4j.rm.RewardScorer;
import dev.rlhf4j.rm.data.PairFiles;
import dev.rlhf4j.rm.data.PreferencePair;
import dev.rlhf4j.rm.eval.EvalReport;
import dev.rlhf4j.rm.eval.RewardEvaluator;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/** The reward-model stage's closing evaluation on the held-out split (report.json, report.html, plots). */
final class RewardModelEvaluation {
    private RewardModelEvaluation() {}

    /** @param maxLength longest input in tokens; null: the model's max_position_embeddings */
    static Map<String, Object> run(Path modelDir, List<Path> data, Integer maxLength, Path outDir) throws IOException {
        Files.createDirectories(outDir);
        List<PreferencePair> pairs = PairFiles.read(data);
        try (NDManager m = NDManager.newBaseManager(); Tokenizer tok = Tokenizer.load(modelDir);
                RewardModel rm = RewardModel.load(modelDir, m)) {
            RewardScorer scorer = new RewardScorer(rm, RewardInputs.forModel(rm, tok, maxLength), 32, m);
            EvalReport report = RewardEvaluator.evaluate(scorer, modelDir.toString(), pairs);
            RewardEvaluator.write(report, outDir.resolve("report.json"), outDir.resolve("report.html"));
            return report.toJson();
        }
    }
}
