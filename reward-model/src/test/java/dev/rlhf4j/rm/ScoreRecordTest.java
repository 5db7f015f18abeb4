package dev.rlhf4j.rm;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.rlhf4j.core.io.JsonLines;
import dev.rlhf4j.core.testing.Fixtures;
import dev.rlhf4j.core.tokenizer.ChatMessage;
import dev.rlhf4j.core.tokenizer.Tokenizer;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/** What {@code rm score} reads from a line: every shape goes through {@link RewardInputs}. */
class ScoreRecordTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    private static JsonLines.Line line(String json) throws Exception {
        return new JsonLines.Line(Path.of("in.jsonl"), 3, JSON.readTree(json));
    }

    @Test
    void everyShapeIsReadAsTheRewardModelReadsIt() throws Exception {
        try (Tokenizer tok = Tokenizer.load(Fixtures.parityModel("gpt2-rm"))) {
            RewardInputs inputs = new RewardInputs(tok, 512);
            long[] text = inputs.text("Who is the baker?", " A woman.");

            ScoreRecord pair = ScoreRecord.of(line("{\"prompt\": \"Who is the baker?\", \"chosen\": \" A woman.\","
                    + " \"rejected\": \" Socks.\"}"), inputs);
            assertTrue(pair.pair());
            assertEquals(2, pair.sequences().size());
            assertArrayEquals(text, pair.sequences().get(0));
            assertArrayEquals(inputs.text("Who is the baker?", " Socks."), pair.sequences().get(1));

            ScoreRecord single = ScoreRecord.of(line("{\"prompt\": \"Who is the baker?\", \"response\": \" A woman.\"}"), inputs);
            assertFalse(single.pair());
            assertArrayEquals(text, single.sequences().get(0));

            long[] chat = inputs.conversation(List.of(ChatMessage.user("Who is the baker?")),
                    List.of(ChatMessage.assistant("A woman.")));
            assertArrayEquals(chat, ScoreRecord.of(line("{\"messages\": [{\"role\": \"user\", \"content\": \"Who is the baker?\"},"
                    + " {\"role\": \"assistant\", \"content\": \"A woman.\"}]}"), inputs).sequences().get(0));
            assertArrayEquals(chat, ScoreRecord.of(line("{\"prompt\": [{\"role\": \"user\", \"content\": \"Who is the baker?\"}],"
                    + " \"response\": \"A woman.\"}"), inputs).sequences().get(0), "a string response to messages is the assistant's turn");

            assertArrayEquals(inputs.finish(tok.encode("Who is the baker? A woman.")),
                    ScoreRecord.of(line("{\"text\": \"Who is the baker? A woman.\"}"), inputs).sequences().get(0));
        }
    }

    @Test
    void errorsNameTheLine() throws Exception {
        try (Tokenizer tok = Tokenizer.load(Fixtures.parityModel("gpt2-rm"))) {
            RewardInputs inputs = new RewardInputs(tok, 512);
            assertEquals("in.jsonl:3: nothing to score: expected chosen/rejected (a pair), response (with an optional"
                    + " prompt), messages, or text",
                    assertThrows(IllegalArgumentException.class, () -> ScoreRecord.of(line("{\"x\": 1}"), inputs)).getMessage());
            assertEquals("in.jsonl:3: field \"messages\" is empty", assertThrows(IllegalArgumentException.class,
                    () -> ScoreRecord.of(line("{\"messages\": []}"), inputs)).getMessage());
            assertEquals("in.jsonl:3: field \"response\" must hold {role, content} messages with string values",
                    assertThrows(IllegalArgumentException.class,
                            () -> ScoreRecord.of(line("{\"response\": [{\"role\": \"assistant\"}]}"), inputs)).getMessage());
        }
    }
}
