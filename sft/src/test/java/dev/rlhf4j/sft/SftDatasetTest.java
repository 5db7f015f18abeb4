package dev.rlhf4j.sft;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.rlhf4j.core.tokenizer.Tokenizer;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Over-long examples: dropped, or their prompt cut from the left, with the counts reported. */
class SftDatasetTest {

    @TempDir
    Path tmp;

    private static final String LONG_PROMPT = "Q: Why does the wheel turn when the water of the river pushes it?\nA:";

    @Test
    void truncatePromptLeftKeepsBosAndTheWholeCompletion() {
        try (Tokenizer tok = SftFixtures.tokenizer("llama")) {
            SftExample full = new ExampleEncoder(tok).promptCompletion(LONG_PROMPT, " The water.", "x:1");
            int maxLength = full.length() - 5;
            SftExample cut = SftDataset.fit(full, maxLength, SftConfig.Truncation.TRUNCATE_PROMPT_LEFT, tok.bosId());
            assertEquals(maxLength, cut.length());
            assertEquals(tok.bosId(), cut.ids()[0]);
            long[] tail = Arrays.copyOfRange(full.ids(), full.length() - (maxLength - 1), full.length());
            assertArrayEquals(tail, Arrays.copyOfRange(cut.ids(), 1, maxLength));
            assertEquals(full.targetCount(), cut.targetCount(), "every completion token is kept");
            assertEquals(full.completionStart() - 5, cut.completionStart());
        }
    }

    @Test
    void dropPolicyAndTooLongCompletionsAreCounted() {
        Path file = SftFixtures.jsonl(tmp.resolve("d.jsonl"), List.of(
                SftFixtures.pair("Q:", " Short."),                                   // fits
                SftFixtures.pair(LONG_PROMPT, " The water."),                        // prompt too long
                SftFixtures.pair("Q:", " The water of the river pushes the wheel, and the wheel turns the stone.")));
        try (Tokenizer tok = SftFixtures.tokenizer("gpt2")) {
            int maxLength = 20;
            assertEquals(new SftDataset.Stats(3, 1, 0, 2),
                    SftDataset.load(file, tok, maxLength, SftConfig.Truncation.DROP).stats());
            SftDataset truncated = SftDataset.load(file, tok, maxLength, SftConfig.Truncation.TRUNCATE_PROMPT_LEFT);
            assertEquals(new SftDataset.Stats(3, 2, 1, 1), truncated.stats());
            SftExample cut = truncated.examples().get(1);
            assertEquals(maxLength, cut.length());
            assertEquals(List.of(" The water.<|endoftext|>"), ExampleEncoderTest.trainedSpans(tok, cut));
        }
    }

    /**
     * The canonical records {@code data import} writes train as "SFT on the preferred responses":
     * a string-source record as prompt + chosen text, a conversation as prompt + chosen turns, a
     * tie left out and counted.
     */
    @Test
    void preferenceRecordsTrainOnTheirChosenResponse() throws Exception {
        String text = "{\"prompt\":[{\"role\":\"user\",\"content\":\"Q:\"}],"
                + "\"chosen\":[{\"role\":\"assistant\",\"content\":\" Short.\"}],"
                + "\"rejected\":[{\"role\":\"assistant\",\"content\":\" Long.\"}],\"meta\":{\"text\":true}}";
        String chat = "{\"prompt\":[{\"role\":\"user\",\"content\":\"Hi\"}],"
                + "\"chosen\":[{\"role\":\"assistant\",\"content\":\"Hello.\"}],"
                + "\"rejected\":[{\"role\":\"assistant\",\"content\":\"Go.\"}]}";
        String tie = "{\"prompt\":[{\"role\":\"user\",\"content\":\"Q:\"}],"
                + "\"chosen\":[{\"role\":\"assistant\",\"content\":\" A.\"}],"
                + "\"rejected\":[{\"role\":\"assistant\",\"content\":\" B.\"}],\"tie\":true}";
        Path file = tmp.resolve("train.jsonl");
        java.nio.file.Files.write(file, List.of(text, chat, tie));
        try (Tokenizer tok = SftFixtures.tokenizer("qwen2")) {
            SftDataset d = SftDataset.load(file, tok, 256, SftConfig.Truncation.DROP);
            assertEquals(new SftDataset.Stats(3, 2, 0, 1), d.stats());
            ExampleEncoder encoder = new ExampleEncoder(tok);
            assertArrayEquals(encoder.promptCompletion("Q:", " Short.", "x").ids(), d.examples().get(0).ids());
            SftExample conversation = encoder.conversation(List.of(new dev.rlhf4j.core.tokenizer.ChatMessage("user", "Hi"),
                    new dev.rlhf4j.core.tokenizer.ChatMessage("assistant", "Hello.")), "x");
            assertArrayEquals(conversation.ids(), d.examples().get(1).ids());
            assertArrayEquals(conversation.trained(), d.examples().get(1).trained());
        }
        java.nio.file.Files.write(file, List.of("{\"chosen\": 3}"));
        try (Tokenizer tok = SftFixtures.tokenizer("gpt2")) {
            IllegalArgumentException e = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                    () -> SftDataset.load(file, tok, 64, SftConfig.Truncation.DROP));
            org.junit.jupiter.api.Assertions.assertTrue(e.getMessage().startsWith(file + ":1: not a preference record"),
                    e.getMessage());
        }
    }
}
