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
}
