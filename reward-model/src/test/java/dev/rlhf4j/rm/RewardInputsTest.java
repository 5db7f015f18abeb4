package dev.rlhf4j.rm;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import dev.rlhf4j.core.testing.Fixtures;
import dev.rlhf4j.core.tokenizer.ChatMessage;
import dev.rlhf4j.core.tokenizer.Tokenizer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

class RewardInputsTest {

    /** transformers' apply_chat_template of the fixture conversation (expected.json tokenizer.chat.full), plus EOS. */
    @Test
    void conversationIsTheChatTemplateAsTransformersTokenizesItPlusEos() {
        JsonNode chat = Fixtures.expected("llama").get("tokenizer").get("chat");
        List<ChatMessage> messages = new ArrayList<>();
        for (JsonNode msg : chat.get("messages")) {
            messages.add(new ChatMessage(msg.get("role").asText(), msg.get("content").asText()));
        }
        try (Tokenizer tok = Tokenizer.load(Fixtures.parityModel("llama-rm"))) {
            RewardInputs inputs = new RewardInputs(tok, 512);
            long[] ids = inputs.conversation(messages.subList(0, 4), messages.subList(4, 5));
            long[] full = Fixtures.longs(chat.get("full").get("input_ids")); // ends "</s>\n": EOS is appended
            long[] want = Arrays.copyOf(full, full.length + 1);
            want[full.length] = 2;
            assertArrayEquals(want, ids);
        }
    }

    @Test
    void plainTextIsPromptPlusResponseWithEosAppendedOnce() {
        try (Tokenizer tok = Tokenizer.load(Fixtures.parityModel("gpt2-rm"))) { // gpt2 family: no BOS, EOS 0
            RewardInputs inputs = new RewardInputs(tok, 512);
            long[] body = tok.encode("Who is the baker? A woman.");
            long[] want = Arrays.copyOf(body, body.length + 1); // want[last] = 0 = EOS
            assertArrayEquals(want, inputs.text("Who is the baker?", " A woman."));
            assertArrayEquals(want, inputs.finish(want), "no second EOS");
        }
    }

    @Test
    void modelsWithoutATemplateUseThePlainTemplate() {
        try (Tokenizer tok = Tokenizer.load(Fixtures.parityModel("gpt2-rm"))) {
            RewardInputs inputs = new RewardInputs(tok, 512);
            assertEquals("user: Who is the baker?\nassistant: A woman.\n",
                    inputs.render(List.of(ChatMessage.user("Who is the baker?")), List.of(ChatMessage.assistant("A woman."))));
        }
    }

    @Test
    void longInputsLoseTokensFromTheFrontButKeepBosAndEos() {
        try (Tokenizer tok = Tokenizer.load(Fixtures.parityModel("llama-rm"))) { // BOS 1, EOS 2
            RewardInputs inputs = new RewardInputs(tok, 5);
            assertArrayEquals(new long[] {1, 13, 14, 15, 2}, inputs.finish(new long[] {1, 10, 11, 12, 13, 14, 15}));
            assertArrayEquals(new long[] {12, 13, 14, 15, 2}, inputs.finish(new long[] {10, 11, 12, 13, 14, 15}));
            assertArrayEquals(new long[] {1, 10, 2}, inputs.finish(new long[] {1, 10}));
            assertEquals(2, inputs.truncated());
        }
    }
}
