package dev.rlhf4j.sft;

import ai.djl.ndarray.NDManager;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.rlhf4j.core.checkpoint.ModelDirectory;
import dev.rlhf4j.core.model.CausalLM;
import dev.rlhf4j.core.model.ModelConfig;
import dev.rlhf4j.core.model.WeightSource;
import dev.rlhf4j.core.testing.Fixtures;
import dev.rlhf4j.core.tokenizer.Tokenizer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** Tiny random models with the parity tokenizers, and JSONL files, for the SFT tests. */
final class SftFixtures {
    private static final ObjectMapper JSON = new ObjectMapper();

    private SftFixtures() {}

    /** The parity tokenizer of {@code family} (gpt2, llama, qwen2). */
    static Tokenizer tokenizer(String family) {
        return Tokenizer.load(Fixtures.parityModel(family));
    }

    /**
     * A random model of {@code family} (gpt2: d=32, 2 layers, dropout 0.1; llama: d=32, 2 layers, GQA
     * 4/2) with the family's parity tokenizer, written to {@code dir} as a model directory.
     */
    static Path tinyModel(Path dir, String family, long seed) {
        try (Tokenizer tok = tokenizer(family); NDManager m = NDManager.newBaseManager()) {
            ModelConfig config = family.equals("gpt2")
                    ? ModelConfig.gpt2(384, 32, 2, 4, 64)
                    : ModelConfig.llama(384, 32, 2, 4, 2, 64, 64);
            config = config.withSpecialTokens(tok.bosId(), tok.eosIds(), tok.padId());
            try (CausalLM model = new CausalLM(config, m, WeightSource.random(seed, 0.2f, 2), true)) {
                ModelDirectory.saveCausalLM(dir, model, tok);
            }
        }
        return dir;
    }

    /** Writes one JSON object per line. */
    static Path jsonl(Path file, List<Map<String, Object>> records) {
        List<String> lines = new ArrayList<>();
        for (Map<String, Object> r : records) {
            try {
                lines.add(JSON.writeValueAsString(r));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        try {
            Files.write(file, lines);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return file;
    }

    static Map<String, Object> pair(String prompt, String completion) {
        return Map.of("prompt", prompt, "completion", completion);
    }

    static Map<String, Object> chat(String... roleContent) {
        List<Map<String, String>> messages = new ArrayList<>();
        for (int i = 0; i < roleContent.length; i += 2) {
            messages.add(Map.of("role", roleContent[i], "content", roleContent[i + 1]));
        }
        return Map.of("messages", messages);
    }

    /** The demonstrations the SFT tests train on: short answers about the mill. */
    static List<Map<String, Object>> millDemos() {
        return List.of(
                pair("Q: Why does the wheel turn?\nA:", " The water pushes it."),
                pair("Q: Who bought the flour?\nA:", " The baker."),
                pair("Q: What is sold?\nA:", " Apples and honey."),
                pair("Q: Where is the mill?\nA:", " By the river."),
                pair("Q: Who grinds the grain?\nA:", " The miller."),
                pair("Q: What does the baker make?\nA:", " Bread for the market."));
    }
}
