package dev.rlhf4j.sft;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.rlhf4j.core.io.JsonLines;
import dev.rlhf4j.core.testing.Fixtures;
import dev.rlhf4j.core.tokenizer.ChatMessage;
import dev.rlhf4j.core.tokenizer.Tokenizer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Records become the tokens and loss flags that transformers and TRL would train on. */
class ExampleEncoderTest {

    @TempDir
    Path tmp;

    @ParameterizedTest
    @ValueSource(strings = {"gpt2", "llama", "qwen2"})
    void promptCompletionMatchesTheTransformersFixture(String family) {
        JsonNode sft = Fixtures.expected(family).get("sft_loss");
        try (Tokenizer tok = SftFixtures.tokenizer(family)) {
            ExampleEncoder encoder = new ExampleEncoder(tok);
            List<List<SftExample>> rows = new ArrayList<>();
            for (int i = 0; i < sft.get("examples").size(); i++) {
                JsonNode e = sft.get("examples").get(i);
                SftExample example = encoder.promptCompletion(e.get("prompt").asText(), e.get("completion").asText(),
                        "fixture:" + i);
                assertEquals(sft.get("prompt_lengths").get(i).asInt(), example.completionStart());
                long[] labels = Fixtures.longs(sft.get("labels").get(i));
                long[] real = Fixtures.longs(sft.get("attention_mask").get(i));
                int n = (int) java.util.Arrays.stream(real).sum();
                assertArrayEquals(java.util.Arrays.copyOf(labels, n), example.labels(), "labels of example " + i);
                rows.add(List.of(example));
            }
            SftBatch batch = SftBatch.collate(rows, tok.padId(), false);
            assertArrayEquals(Fixtures.longMatrix(sft.get("input_ids")), batch.ids());
            assertArrayEquals(Fixtures.longMatrix(sft.get("attention_mask")), batch.attentionMask());
        }
    }

    @Test
    void eosIsAppendedOnlyWhenTheCompletionLacksIt() {
        try (Tokenizer tok = SftFixtures.tokenizer("gpt2")) {
            ExampleEncoder encoder = new ExampleEncoder(tok);
            SftExample plain = encoder.promptCompletion("Q: Who?\nA:", " The baker.", "a:1");
            SftExample withEos = encoder.promptCompletion("Q: Who?\nA:", " The baker.<|endoftext|>", "a:2");
            assertArrayEquals(plain.ids(), withEos.ids());
            assertArrayEquals(plain.trained(), withEos.trained());
            assertEquals(tok.eosId(), plain.ids()[plain.length() - 1]);
        }
    }

    /** Assistant tokens as transformers marks them with {@code {% generation %}} in the same template. */
    @ParameterizedTest
    @ValueSource(strings = {"llama", "qwen2"})
    void assistantTurnsMatchTransformersAssistantMasks(String family) {
        JsonNode records = Fixtures.readJson(Path.of("src/test/resources/fixtures/sft_chat.json"))
                .get("models").get(family);
        try (Tokenizer tok = SftFixtures.tokenizer(family)) {
            ExampleEncoder encoder = new ExampleEncoder(tok);
            for (JsonNode r : records) {
                List<ChatMessage> messages = new ArrayList<>();
                r.get("messages").forEach(m -> messages.add(new ChatMessage(m.get("role").asText(),
                        m.get("content").asText())));
                SftExample e = encoder.conversation(messages, "fixture");
                long[] ids = Fixtures.longs(r.get("input_ids"));
                long[] masks = Fixtures.longs(r.get("assistant_masks"));
                // ours stops after the last assistant turn; the rest of the rendering is context
                assertTrue(e.length() <= ids.length);
                assertArrayEquals(java.util.Arrays.copyOf(ids, e.length()), e.ids(), r.get("text").asText());
                for (int t = 0; t < ids.length; t++) {
                    boolean expected = masks[t] == 1;
                    boolean actual = t < e.length() && e.trained()[t];
                    assertEquals(expected, actual, "token " + t + " of " + r.get("text").asText());
                }
            }
        }
    }

    @Test
    void plainTemplateTrainsEveryAssistantTurnAndAppendsEos() {
        try (Tokenizer tok = SftFixtures.tokenizer("gpt2")) { // no chat template: the built-in PLAIN one
            SftExample e = new ExampleEncoder(tok).conversation(List.of(
                    new ChatMessage("system", "Be brief."), ChatMessage.user("Who?"), ChatMessage.assistant("The baker."),
                    ChatMessage.user("Where?"), ChatMessage.assistant("By the river.")), "x:1");
            assertEquals("system: Be brief.\nuser: Who?\nassistant: The baker.\n<|endoftext|>user: Where?\n"
                    + "assistant: By the river.\n<|endoftext|>", tok.decode(e.ids(), false));
            assertEquals(List.of(" The baker.\n<|endoftext|>", " By the river.\n<|endoftext|>"), trainedSpans(tok, e));
        }
    }

    @Test
    void templateThatIsNotPrefixStableIsRejectedNamingTheLine() throws IOException {
        Path dir = Files.createDirectories(tmp.resolve("model"));
        for (String f : List.of("tokenizer.json", "config.json", "generation_config.json")) {
            Files.copy(Fixtures.parityModel("gpt2").resolve(f), dir.resolve(f));
        }
        // the last message renders differently from the same message followed by others
        Files.writeString(dir.resolve("tokenizer_config.json"), "{\"eos_token\": \"<|endoftext|>\", \"chat_template\":"
                + " \"{% for m in messages %}{% if loop.last %}> {% endif %}{{ m.role }}: {{ m.content }}\\n{% endfor %}"
                + "{% if add_generation_prompt %}assistant:{% endif %}\"}");
        Path data = SftFixtures.jsonl(tmp.resolve("chat.jsonl"), List.of(
                SftFixtures.pair("Q:", " A."),
                SftFixtures.chat("user", "Who?", "assistant", "The baker.")));
        try (Tokenizer tok = Tokenizer.load(dir)) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> SftDataset.load(data, tok, 64, SftConfig.Truncation.DROP));
            assertTrue(e.getMessage().startsWith(data + ":2: the chat template is not prefix-stable at messages[1]"
                    + " (assistant)"), e.getMessage());
        }
    }

    @Test
    void malformedRecordsNameFileLineAndKey() {
        try (Tokenizer tok = SftFixtures.tokenizer("gpt2")) {
            assertEquals(tmp.resolve("a.jsonl") + ":2: field \"completion\" must be a string, but is: missing",
                    error(tok, "a.jsonl", SftFixtures.pair("Q:", " A."), Map.of("prompt", "Q:")));
            assertEquals(tmp.resolve("b.jsonl") + ":1: field \"messages[1].content\" must be a string, but is: number",
                    error(tok, "b.jsonl", Map.of("messages", List.of(Map.of("role", "user", "content", "Hi"),
                            Map.of("role", "assistant", "content", 3)))));
            assertEquals(tmp.resolve("c.jsonl") + ":1: expected \"prompt\" and \"completion\" (text), \"messages\""
                    + " (a list of {\"role\", \"content\"}) or a preference record (\"prompt\", \"chosen\", \"rejected\"),"
                    + " but the keys are: [question]",
                    error(tok, "c.jsonl", Map.of("question", "Q:")));
            assertEquals(tmp.resolve("d.jsonl") + ":1: messages has no assistant turn, so nothing to train on",
                    error(tok, "d.jsonl", SftFixtures.chat("user", "Hi")));
        }
    }

    @SafeVarargs
    private String error(Tokenizer tok, String name, Map<String, Object>... records) {
        Path file = SftFixtures.jsonl(tmp.resolve(name), List.of(records));
        return assertThrows(IllegalArgumentException.class,
                () -> SftDataset.load(file, tok, 64, SftConfig.Truncation.DROP)).getMessage();
    }

    /** The decoded runs of consecutive trained tokens. */
    static List<String> trainedSpans(Tokenizer tok, SftExample e) {
        List<String> spans = new ArrayList<>();
        List<Long> run = new ArrayList<>();
        for (int t = 0; t <= e.length(); t++) {
            if (t < e.length() && e.trained()[t]) {
                run.add(e.ids()[t]);
            } else if (!run.isEmpty()) {
                spans.add(tok.decode(run.stream().mapToLong(Long::longValue).toArray(), false));
                run.clear();
            }
        }
        return spans;
    }

    @Test
    void linesAreReadInOrder() {
        Path file = SftFixtures.jsonl(tmp.resolve("ok.jsonl"), SftFixtures.millDemos());
        try (Tokenizer tok = SftFixtures.tokenizer("llama")) {
            SftDataset d = SftDataset.load(file, tok, 64, SftConfig.Truncation.DROP);
            assertEquals(new SftDataset.Stats(6, 6, 0, 0), d.stats());
            assertEquals(file + ":3", d.examples().get(2).where());
            assertEquals(List.of(" Apples and honey.</s>"), trainedSpans(tok, d.examples().get(2)));
            assertEquals(JsonLines.readAll(file).size(), d.examples().size());
        }
    }
}
