package dev.rlhf4j.cli.model;

import ai.djl.ndarray.NDManager;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.rlhf4j.core.checkpoint.ModelDirectory;
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

/** {@code rlhf4j generate}: sample continuations of one prompt, or stream a JSONL file of prompts in batches. */
@Command(name = "generate", description = "Sample from a model (KV cache, batched).")
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
    @Option(names = "--batch-size", defaultValue = "16") int batchSize;
    @Option(names = "--json", description = "one JSON object per result") boolean json;

    @Override
    public Integer call() throws Exception {
        SamplingConfig cfg;
        try {
            cfg = new SamplingConfig(maxNewTokens, temperature, topK, topP, greedy, List.of(), seed);
        } catch (IllegalArgumentException e) {
            throw new ParameterException(spec.commandLine(), e.getMessage(), e);
        }
        if (batchSize < 1) {
            throw new ParameterException(spec.commandLine(), "--batch-size must be >= 1, but is: " + batchSize);
        }
        try (NDManager m = NDManager.newBaseManager(); Tokenizer tok = Tokenizer.load(model);
                CausalLM lm = ModelDirectory.loadCausalLM(model, m, true)) {
            Generator generator = new Generator(lm, tok.padId(), tok.eosIds());
            List<PromptSource.Prompt> batch = new ArrayList<>();
            int[] index = {0};
            if (input.prompt != null) {
                batch.add(chat ? rendered(tok.applyChatTemplate(List.of(ChatMessage.user(input.prompt)), true), tok)
                        : new PromptSource.Prompt(input.prompt, tok.encode(input.prompt)));
            } else {
                JsonLines.forEach(input.prompts, line -> {
                    batch.add(promptText(line, tok));
                    if (batch.size() == batchSize) {
                        emit(generator, tok, batch, cfg, m, index);
                    }
                });
            }
            if (!batch.isEmpty()) {
                emit(generator, tok, batch, cfg, m, index);
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

    private void emit(Generator generator, Tokenizer tok, List<PromptSource.Prompt> batch, SamplingConfig cfg, NDManager m,
            int[] index) {
        List<long[]> ids = batch.stream().map(PromptSource.Prompt::tokens).toList();
        SamplingConfig batchCfg = new SamplingConfig(cfg.maxNewTokens(), cfg.temperature(), cfg.topK(), cfg.topP(),
                cfg.greedy(), cfg.stopIds(), cfg.seed() + index[0]);
        Generation g = generator.generate(ids, batchCfg, m);
        for (int i = 0; i < batch.size(); i++) {
            String text = tok.decode(g.response(i), true);
            if (json) {
                Map<String, Object> row = new LinkedHashMap<>();
                row.put("index", index[0] + i);
                row.put("prompt", batch.get(i).text());
                row.put("response", text);
                row.put("tokens", g.lengths()[i]);
                row.put("ended_with_eos", g.endedWithStop()[i]);
                try {
                    System.out.println(JSON.writeValueAsString(row));
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
