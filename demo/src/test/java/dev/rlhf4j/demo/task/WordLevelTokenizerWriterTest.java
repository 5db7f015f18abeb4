package dev.rlhf4j.demo.task;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.huggingface.tokenizers.Encoding;
import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import com.fasterxml.jackson.databind.JsonNode;
import dev.rlhf4j.core.tokenizer.ChatMessage;
import dev.rlhf4j.core.tokenizer.Tokenizer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class WordLevelTokenizerWriterTest {

    private static final ReviewGrammar GRAMMAR = ReviewGrammar.standard();

    @TempDir static Path dir;
    private static Map<String, Integer> vocab;

    @BeforeAll
    static void write() throws Exception {
        WordLevelTokenizerWriter.write(dir, GRAMMAR.vocabulary(), 32);
        vocab = WordLevelTokenizerWriter.vocabulary(GRAMMAR.vocabulary());
    }

    @Test
    void specialTokensComeFirst() {
        assertEquals(0, vocab.get("<pad>"));
        assertEquals(1, vocab.get("<bos>"));
        assertEquals(2, vocab.get("<eos>"));
        assertEquals(3, vocab.get("<unk>"));
        assertEquals(GRAMMAR.vocabulary().size() + 4, vocab.size());
        assertEquals(4, vocab.get(GRAMMAR.vocabulary().get(0)));
    }

    @Test
    void djlLoadsItAndRoundTripsGeneratedText() throws Exception {
        List<String> texts = new ArrayList<>(GRAMMAR.corpus(300, new ReviewGrammar.Tone(0, 1.5), 22, 1));
        texts.addAll(GRAMMAR.prompts(50, 2));
        try (HuggingFaceTokenizer tokenizer = HuggingFaceTokenizer.newInstance(dir)) {
            for (String text : texts) {
                List<String> words = ReviewGrammar.words(text);
                Encoding encoding = tokenizer.encode(text);
                long[] ids = encoding.getIds();
                long[] expected = new long[words.size() + 1];
                expected[0] = vocab.get("<bos>");
                for (int i = 0; i < words.size(); i++) {
                    expected[i + 1] = vocab.get(words.get(i));
                }
                assertArrayEquals(expected, ids, text);
                assertEquals(text, tokenizer.decode(ids, true));
                assertEquals("<bos> " + text, tokenizer.decode(ids, false));
            }
        }
    }

    @Test
    void specialTokensInTextAndUnknownWordsAndGluedPunctuation() throws Exception {
        try (HuggingFaceTokenizer tokenizer = HuggingFaceTokenizer.newInstance(dir)) {
            assertArrayEquals(new long[] {vocab.get("it"), vocab.get("was"), vocab.get("good"), vocab.get("."), 2},
                    tokenizer.encode("it was good . <eos>", false, false).getIds());
            assertArrayEquals(new long[] {vocab.get("it"), vocab.get("was"), 3, vocab.get(".")},
                    tokenizer.encode("it was marvellous .", false, false).getIds());
            assertArrayEquals(new long[] {vocab.get("review"), vocab.get("the"), vocab.get("phone"), vocab.get(":"),
                            vocab.get("it"), vocab.get("was"), vocab.get("good"), vocab.get(".")},
                    tokenizer.encode("review the phone :it was good.", false, false).getIds());
        }
    }

    @Test
    void configNamesTheSpecialTokensAndTheTemplate() throws Exception {
        JsonNode config = JsonFiles.MAPPER.readTree(dir.resolve("tokenizer_config.json").toFile());
        assertEquals("<bos>", config.get("bos_token").asText());
        assertEquals("<eos>", config.get("eos_token").asText());
        assertEquals("<pad>", config.get("pad_token").asText());
        assertEquals("<unk>", config.get("unk_token").asText());
        assertEquals(32, config.get("model_max_length").asInt());
        assertEquals("PreTrainedTokenizerFast", config.get("tokenizer_class").asText());
        assertEquals(WordLevelTokenizerWriter.CHAT_TEMPLATE, config.get("chat_template").asText());
        assertEquals("<eos>", config.at("/added_tokens_decoder/2/content").asText());
        JsonNode map = JsonFiles.MAPPER.readTree(dir.resolve("special_tokens_map.json").toFile());
        assertEquals("<pad>", map.get("pad_token").asText());
        JsonNode tokenizer = JsonFiles.MAPPER.readTree(dir.resolve("tokenizer.json").toFile());
        assertEquals("WordLevel", tokenizer.at("/model/type").asText());
        assertEquals("Whitespace", tokenizer.at("/pre_tokenizer/type").asText());
        assertEquals(4, tokenizer.get("added_tokens").size());
    }

    /** The consumer: core's Tokenizer resolves the special tokens and renders the chat template. */
    @Test
    void coreTokenizerLoadsItWithSpecialTokensAndChatTemplate() {
        try (Tokenizer tokenizer = Tokenizer.load(dir)) {
            assertEquals(1, tokenizer.bosId());
            assertEquals(2, tokenizer.eosId());
            assertEquals(List.of(2), tokenizer.eosIds());
            assertEquals(0, tokenizer.padId());
            assertTrue(tokenizer.hasPadToken());
            List<ChatMessage> conversation = List.of(
                    ChatMessage.user("review the phone :"), ChatMessage.assistant(" the battery was good ."));
            String rendered = tokenizer.applyChatTemplate(conversation, false);
            assertEquals("<bos>review the phone : the battery was good . <eos> ", rendered);
            String prompt = tokenizer.applyChatTemplate(List.of(ChatMessage.user("review the phone :")), true);
            assertEquals("<bos>review the phone : ", prompt);
            long[] ids = tokenizer.encodePlain(rendered);
            assertEquals(1, ids[0]);
            assertEquals(2, ids[ids.length - 1]);
            assertArrayEquals(tokenizer.encode("review the phone : the battery was good ."),
                    Arrays.copyOf(ids, ids.length - 1));
            assertEquals("review the phone : the battery was good .", tokenizer.decode(ids, true));
        }
    }

    @Test
    void rejectsWordsThatCannotBeOneToken() {
        assertEquals("tokenizer word must be letters/digits only or punctuation only, but is: \"good.\"",
                assertThrows(IllegalArgumentException.class,
                        () -> WordLevelTokenizerWriter.vocabulary(List.of("good."))).getMessage());
        assertEquals("tokenizer word must be letters/digits only or punctuation only, but is: \"a b\"",
                assertThrows(IllegalArgumentException.class,
                        () -> WordLevelTokenizerWriter.vocabulary(List.of("a b"))).getMessage());
        assertEquals("tokenizer word appears twice or is a special token: good",
                assertThrows(IllegalArgumentException.class,
                        () -> WordLevelTokenizerWriter.vocabulary(List.of("good", "good"))).getMessage());
        assertEquals("tokenizer word must be letters/digits only or punctuation only, but is: \"<pad>\"",
                assertThrows(IllegalArgumentException.class,
                        () -> WordLevelTokenizerWriter.vocabulary(List.of("<pad>"))).getMessage());
        assertTrue(WordLevelTokenizerWriter.vocabulary(List.of("a", ".")).containsKey("."));
    }
}
