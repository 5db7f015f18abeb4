package dev.rlhf4j.cli.model;

import ai.djl.ndarray.NDManager;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.rlhf4j.core.checkpoint.ModelDirectory;
import dev.rlhf4j.core.generate.BeamConfig;
import dev.rlhf4j.core.generate.BeamGeneration;
import dev.rlhf4j.core.generate.BeamSearch;
import dev.rlhf4j.core.generate.Generation;
import dev.rlhf4j.core.generate.Generator;
import dev.rlhf4j.core.generate.SamplingConfig;
import dev.rlhf4j.core.io.JsonLines;
import dev.rlhf4j.core.model.CausalLM;
import dev.rlhf4j.core.tokenizer.ChatMessage;
import dev.rlhf4j.core.tokenizer.Tokenizer;
import dev.rlhf4j.ppo.PromptSource;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * {@code rlhf4j generate}: sample continuations of one prompt, or stream a JSONL file of prompts in
 * batches; with {@code --num-beams}, beam search instead of sampling.
 */
@Command(name = "generate", mixinStandardHelpOptions = true, description = "Sample from a model, or beam search (KV cache, batched).")
public final class GenerateCommand implements Callable<Integer> {
    private static final ObjectMapper JSON = new ObjectMapper();

    @Spec CommandSpec spec;

    @Option(names = "--model", required = true) Path model;

    @ArgGroup(multiplicity = "1")
    Input input;

    static final class Input {
        @Option(names = "--prompt", description = "one prompt text") String prompt;
        @Option(names = "--prompts", description = "JSONL with \"prompt\" (text) or \"messages\" (chat) per line") Path prompts;
    }

    @Option(names = "--chat", description = "render a --prompt text as a user turn with the chat template") boolean chat;
    @Option(names = "--max-new-tokens", defaultValue = "64") int maxNewTokens;
    @Option(names = "--temperature", defaultValue = "0.7") float temperature;
    @Option(names = "--top-k", defaultValue = "0", description = "0 = off") int topK;
    @Option(names = "--top-p", defaultValue = "1.0", description = "1 = off") float topP;
    @Option(names = "--seed", defaultValue = "0") long seed;
    @Option(names = "--greedy") boolean greedy;
    @Option(names = "--num-beams", description = "beam search with N beams (1 = greedy), as transformers' num_beams")
    Integer numBeams;
    @Option(names = "--length-penalty", defaultValue = "1.0",
            description = "beam search: hypotheses rank by sum of log-probs / length ^ L") float lengthPenalty;
    @Option(names = "--early-stopping", defaultValue = "false", description = "beam search: true, false or never")
    String earlyStopping;
    @Option(names = "--num-return-sequences", defaultValue = "1", description = "beam search: best hypotheses per prompt (<= --num-beams)")
    int numReturnSequences;
    @Option(names = "--batch-size", defaultValue = "16") int batchSize;
    @Option(names = "--json", description = "one JSON object per result") boolean json;

    /** Sampling options beam search refuses: it is deterministic (beam sampling is not supported). */
    private static final List<String> SAMPLING_OPTIONS = List.of("--temperature", "--top-k", "--top-p", "--seed", "--greedy");
    private static final List<String> BEAM_OPTIONS = List.of("--length-penalty", "--early-stopping", "--num-return-sequences");

    @Override
    public Integer call() throws Exception {
        SamplingConfig cfg;
        BeamConfig beams = null;
        try {
            cfg = new SamplingConfig(maxNewTokens, temperature, topK, topP, greedy, List.of(), seed);
            if (numBeams != null) {
                beams = new BeamConfig(numBeams, maxNewTokens, lengthPenalty,
                        BeamConfig.EarlyStopping.parse("--early-stopping", earlyStopping), numReturnSequences, List.of());
            }
        } catch (IllegalArgumentException e) {
            throw new ParameterException(spec.commandLine(), e.getMessage(), e);
        }
        for (String option : numBeams != null ? SAMPLING_OPTIONS : BEAM_OPTIONS) {
            if (spec.commandLine().getParseResult().hasMatchedOption(option)) {
                throw new ParameterException(spec.commandLine(), numBeams != null
                        ? option + " does not apply to beam search (--num-beams), which does not sample; beam sampling is not supported"
                        : option + " applies to beam search only: add --num-beams");
            }
        }
        if (batchSize < 1) {
            throw new ParameterException(spec.commandLine(), "--batch-size must be >= 1, but is: " + batchSize);
        }
        try (NDManager m = NDManager.newBaseManager(); Tokenizer tok = Tokenizer.load(model);
                CausalLM lm = ModelDirectory.loadCausalLM(model, m, true)) {
            Generator generator = new Generator(lm, tok.padId(), tok.eosIds());
            BeamSearch search = new BeamSearch(lm, tok.padId(), tok.eosIds());
            BeamConfig beamCfg = beams;
            List<PromptSource.Prompt> batch = new ArrayList<>();
            int[] index = {0};
            if (input.prompt != null) {
                batch.add(chat ? rendered(tok.applyChatTemplate(List.of(ChatMessage.user(input.prompt)), true), tok)
                        : new PromptSource.Prompt(input.prompt, tok.encode(input.prompt)));
            } else {
                JsonLines.forEach(input.prompts, line -> {
                    batch.add(promptText(line, tok));
                    if (batch.size() == batchSize) {
                        emit(generator, search, tok, batch, cfg, beamCfg, m, index);
                    }
                });
            }
            if (!batch.isEmpty()) {
                emit(generator, search, tok, batch, cfg, beamCfg, m, index);
            }
        }
        return 0;
    }

    private static PromptSource.Prompt promptText(JsonLines.Line line, Tokenizer tok) {
        JsonNode messages = line.value().get("messages");
        if (messages != null && messages.isArray()) {
            List<ChatMessage> turns = new ArrayList<>();
            messages.forEach(x -> turns.add(new ChatMessage(x.path("role").asText(), x.path("content").asText())));
            return rendered(tok.applyChatTemplate(turns, true), tok);
        }
        String text = line.text("prompt");
        return new PromptSource.Prompt(text, tok.encode(text));
    }

    /** A rendered chat template carries its own special tokens (transformers: add_special_tokens=False). */
    private static PromptSource.Prompt rendered(String text, Tokenizer tok) {
        return new PromptSource.Prompt(text, tok.encodePlain(text));
    }

    private void emit(Generator generator, BeamSearch search, Tokenizer tok, List<PromptSource.Prompt> batch,
            SamplingConfig cfg, BeamConfig beams, NDManager m, int[] index) {
        List<long[]> ids = batch.stream().map(PromptSource.Prompt::tokens).toList();
        Generation g;
        float[] scores = null;
        int perPrompt = 1;
        if (beams != null) {
            BeamGeneration found = search.generate(ids, beams, m);
            g = found.sequences();
            scores = found.scores();
            perPrompt = found.numReturnSequences();
        } else {
            SamplingConfig batchCfg = new SamplingConfig(cfg.maxNewTokens(), cfg.temperature(), cfg.topK(), cfg.topP(),
                    cfg.greedy(), cfg.stopIds(), cfg.seed() + index[0]);
            g = generator.generate(ids, batchCfg, m);
        }
        for (int row = 0; row < g.batchSize(); row++) {
            int i = row / perPrompt;
            String text = tok.decode(g.response(row), true);
            if (json) {
                Map<String, Object> out = new LinkedHashMap<>();
                out.put("index", index[0] + i);
                out.put("prompt", batch.get(i).text());
                out.put("response", text);
                out.put("tokens", g.lengths()[row]);
                out.put("ended_with_eos", g.endedWithStop()[row]);
                if (scores != null) {
                    out.put("rank", row % perPrompt);
                    out.put("score", scores[row]);
                }
                try {
                    System.out.println(JSON.writeValueAsString(out));
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            } else {
                System.out.println(batch.get(i).text() + text);
            }
        }
        index[0] += batch.size();
        batch.clear();
    }
}
