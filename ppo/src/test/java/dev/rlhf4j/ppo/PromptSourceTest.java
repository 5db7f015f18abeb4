package dev.rlhf4j.ppo;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.rlhf4j.core.testing.Fixtures;
import dev.rlhf4j.core.tokenizer.ChatMessage;
import dev.rlhf4j.core.tokenizer.Tokenizer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Prompt files: text, conversations, and the preference records {@code data import} writes. */
class PromptSourceTest {

    @TempDir
    Path tmp;

    private static String record(String prompt, String chosen, String rejected, boolean text) {
        return "{\"prompt\":[{\"role\":\"user\",\"content\":\"" + prompt + "\"}],"
                + "\"chosen\":[{\"role\":\"assistant\",\"content\":\"" + chosen + "\"}],"
                + "\"rejected\":[{\"role\":\"assistant\",\"content\":\"" + rejected + "\"}]"
                + (text ? ",\"meta\":{\"text\":true}" : "") + "}";
    }

    @Test
    void preferenceRecordsGiveEachDistinctPromptOnceAsTheRewardModelReadsIt() throws Exception {
        Path file = tmp.resolve("train.jsonl");
        Files.write(file, List.of(
                record("Q: the river?", " A.", " B.", true),
                record("Q: the river?", " C.", " D.", true), // the same prompt compared again
                record("Hi", "Hello.", "Go.", false),
                "{\"prompt\": \"Q: the mill?\"}"));
        try (Tokenizer tok = Tokenizer.load(Fixtures.parityModel("qwen2"))) {
            List<PromptSource.Prompt> prompts = PromptSource.read(file, tok, 64);
            assertEquals(3, prompts.size());
            assertEquals("Q: the river?", prompts.get(0).text());
            assertNull(prompts.get(0).messages());
            assertArrayEquals(tok.encode("Q: the river?"), prompts.get(0).tokens());
            List<ChatMessage> hi = List.of(new ChatMessage("user", "Hi"));
            assertEquals(hi, prompts.get(1).messages());
            assertEquals(tok.applyChatTemplate(hi, true), prompts.get(1).text());
            assertArrayEquals(tok.encodePlain(tok.applyChatTemplate(hi, true)), prompts.get(1).tokens());
            assertEquals("Q: the mill?", prompts.get(2).text());
        }
    }

    @Test
    void aMalformedRecordNamesFileAndLine() throws Exception {
        Path file = tmp.resolve("bad.jsonl");
        Files.write(file, List.of("{\"chosen\": 3}"));
        try (Tokenizer tok = Tokenizer.load(Fixtures.parityModel("gpt2"))) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> PromptSource.read(file, tok, 64));
            assertTrue(e.getMessage().startsWith(file + ":1: not a preference record"), e.getMessage());
        }
    }
}
