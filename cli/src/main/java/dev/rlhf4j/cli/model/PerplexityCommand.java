package dev.rlhf4j.cli.model;

import ai.djl.ndarray.NDManager;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.rlhf4j.core.checkpoint.ModelDirectory;
import dev.rlhf4j.core.eval.Perplexity;
import dev.rlhf4j.core.io.JsonLines;
import dev.rlhf4j.core.model.CausalLM;
import dev.rlhf4j.core.tokenizer.Tokenizer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * {@code rlhf4j perplexity --model DIR --data FILE.jsonl}: one JSON object on stdout. A result that
 * is NaN or infinite exits 1 with a message naming the model and the data, so that a script never
 * takes a broken model for a scored one.
 */
@Command(name = "perplexity", mixinStandardHelpOptions = true, description = {"Mean negative log-likelihood and perplexity of texts, as transformers computes them.",
        "Exit codes: 0 done, 1 the result is NaN or infinite (no token scored, or the model's outputs overflow)."})
public final class PerplexityCommand implements Callable<Integer> {
    @Spec CommandSpec spec;

    @Option(names = "--model", required = true, description = "model directory") Path model;
    @Option(names = "--data", required = true, description = "JSONL, one {\"text\": ...} per line") Path data;
    @Option(names = "--field", defaultValue = "text", description = "field holding the text (default: ${DEFAULT-VALUE})") String field;
    @Option(names = "--batch-size", defaultValue = "8") int batchSize;

    @Override
    public Integer call() throws Exception {
        if (batchSize < 1) {
            throw new ParameterException(spec.commandLine(), "--batch-size must be >= 1, but is: " + batchSize);
        }
        try (NDManager m = NDManager.newBaseManager(); Tokenizer tok = Tokenizer.load(model);
                CausalLM lm = ModelDirectory.loadCausalLM(model, m, true)) {
            List<long[]> texts = new ArrayList<>();
            JsonLines.forEach(data, line -> texts.add(tok.encode(line.text(field))));
            Perplexity.Result r = Perplexity.compute(lm, texts, batchSize, tok.padId(), m);
            Map<String, Object> out = new LinkedHashMap<>();
            out.put("texts", texts.size());
            out.put("tokens_scored", r.tokensScored());
            out.put("mean_nll", r.meanNll());
            out.put("perplexity", r.perplexity());
            System.out.println(new ObjectMapper().writeValueAsString(out));
            if (!Double.isFinite(r.meanNll()) || !Double.isFinite(r.perplexity())) {
                System.err.printf("rlhf4j perplexity: the result is not finite (mean NLL %s, perplexity %s) for model %s"
                        + " on data %s: %s%n", r.meanNll(), r.perplexity(), model, data, r.tokensScored() == 0
                        ? "no token was scored (every text has fewer than 2 tokens)"
                        : "the model's log-probabilities are not finite (its weights are broken or its outputs overflow)");
                return 1;
            }
        }
        return 0;
    }
}
