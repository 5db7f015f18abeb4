package dev.rlhf4j.demo.task;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * Writes a word-level Hugging Face tokenizer for a closed vocabulary: {@code tokenizer.json},
 * {@code tokenizer_config.json} and {@code special_tokens_map.json}, loadable by the Rust
 * {@code tokenizers} library (and so by DJL's {@code HuggingFaceTokenizer}) and by transformers'
 * {@code PreTrainedTokenizerFast.from_pretrained(dir)}.
 *
 * <ul>
 *   <li>Ids: {@code <pad>} 0, {@code <bos>} 1, {@code <eos>} 2, {@code <unk>} 3, then the words in
 *       the order given (the review grammar's vocabulary is sorted).</li>
 *   <li>Model {@code WordLevel} with {@code unk_token <unk>}; no normaliser.</li>
 *   <li>Pre-tokenizer {@code Whitespace} (regex {@code \w+|[^\w\s]+}): words split on spaces, and
 *       punctuation splits from a word even without a space ({@code "good."} is {@code good .}), so
 *       prompt and completion concatenate safely.</li>
 *   <li>Post-processor {@code TemplateProcessing}: {@code <bos> $A} (pairs: {@code <bos> $A <bos>
 *       $B}), as Llama tokenizers do; encoding with special tokens prepends {@code <bos>}, and no
 *       {@code <eos>} is appended (trainers add it where a sequence ends).</li>
 *   <li>No decoder: the library then joins tokens with single spaces, which is exactly the text
 *       ({@code clean_up_tokenization_spaces} is false, so transformers keeps {@code " ."}).</li>
 *   <li>{@code chat_template}: {@link #CHAT_TEMPLATE}.</li>
 * </ul>
 */
public final class WordLevelTokenizerWriter {

    public static final String PAD = "<pad>";
    public static final String BOS = "<bos>";
    public static final String EOS = "<eos>";
    public static final String UNK = "<unk>";
    /** The special tokens in id order: {@code <pad>} is 0. */
    public static final List<String> SPECIAL_TOKENS = List.of(PAD, BOS, EOS, UNK);

    /**
     * The Jinja chat template: {@code <bos>}, then each message's content; an assistant message is
     * followed by {@code <eos>}. There are no role markers: the prompt ({@code "review the phone
     * :"}) is followed directly by the response, so {@code add_generation_prompt} adds nothing.
     * For {@code [user: "review the phone :", assistant: "it was good ."]} it renders
     * {@code "<bos>review the phone : it was good . <eos> "}.
     */
    public static final String CHAT_TEMPLATE = "{{ bos_token }}{% for message in messages %}"
            + "{{ message['content'] | trim }} "
            + "{% if message['role'] == 'assistant' %}{{ eos_token }} {% endif %}"
            + "{% endfor %}";

    /** A word must be one pre-token of the Whitespace pre-tokenizer, or it could never be produced. */
    private static final Pattern ONE_PRE_TOKEN = Pattern.compile("\\w+|[^\\w\\s]+", Pattern.UNICODE_CHARACTER_CLASS);

    private WordLevelTokenizerWriter() {}

    /**
     * The token-to-id map: the special tokens 0-3, then {@code words} in order.
     *
     * @throws IllegalArgumentException if a word is a special token, a duplicate, or not a single
     *     pre-token (contains whitespace, or mixes letters and punctuation)
     */
    public static Map<String, Integer> vocabulary(List<String> words) {
        Map<String, Integer> vocab = new LinkedHashMap<>();
        for (String special : SPECIAL_TOKENS) {
            vocab.put(special, vocab.size());
        }
        for (String word : words) {
            if (!ONE_PRE_TOKEN.matcher(word).matches()) {
                throw new IllegalArgumentException(
                        "tokenizer word must be letters/digits only or punctuation only, but is: \"" + word + "\"");
            }
            if (vocab.containsKey(word)) {
                throw new IllegalArgumentException("tokenizer word appears twice or is a special token: " + word);
            }
            vocab.put(word, vocab.size());
        }
        return vocab;
    }

    /**
     * Writes the three tokenizer files into {@code dir} (created if missing).
     *
     * @param words the vocabulary without special tokens
     * @param modelMaxLength {@code model_max_length} in {@code tokenizer_config.json}
     */
    public static void write(Path dir, List<String> words, int modelMaxLength) throws IOException {
        Checks.atLeast("tokenizer.model_max_length", modelMaxLength, 2);
        Map<String, Integer> vocab = vocabulary(words);
        JsonFiles.writePretty(dir.resolve("tokenizer.json"), tokenizerJson(vocab));
        JsonFiles.writePretty(dir.resolve("tokenizer_config.json"), tokenizerConfig(modelMaxLength));
        JsonFiles.writePretty(dir.resolve("special_tokens_map.json"), specialTokensMap());
    }

    static ObjectNode tokenizerJson(Map<String, Integer> vocab) {
        ObjectNode root = JsonFiles.MAPPER.createObjectNode();
        root.put("version", "1.0");
        root.putNull("truncation");
        root.putNull("padding");
        ArrayNode added = root.putArray("added_tokens");
        for (String special : SPECIAL_TOKENS) {
            ObjectNode token = added.addObject();
            token.put("id", vocab.get(special));
            token.put("content", special);
            token.put("single_word", false);
            token.put("lstrip", false);
            token.put("rstrip", false);
            token.put("normalized", false);
            token.put("special", true);
        }
        root.putNull("normalizer");
        root.putObject("pre_tokenizer").put("type", "Whitespace");
        ObjectNode post = root.putObject("post_processor");
        post.put("type", "TemplateProcessing");
        ArrayNode single = post.putArray("single");
        addSpecial(single, BOS, 0);
        addSequence(single, "A", 0);
        ArrayNode pair = post.putArray("pair");
        addSpecial(pair, BOS, 0);
        addSequence(pair, "A", 0);
        addSpecial(pair, BOS, 1);
        addSequence(pair, "B", 1);
        ObjectNode bos = post.putObject("special_tokens").putObject(BOS);
        bos.put("id", BOS);
        bos.putArray("ids").add(vocab.get(BOS));
        bos.putArray("tokens").add(BOS);
        root.putNull("decoder");
        ObjectNode model = root.putObject("model");
        model.put("type", "WordLevel");
        ObjectNode vocabNode = model.putObject("vocab");
        vocab.forEach(vocabNode::put);
        model.put("unk_token", UNK);
        return root;
    }

    static ObjectNode tokenizerConfig(int modelMaxLength) {
        ObjectNode config = JsonFiles.MAPPER.createObjectNode();
        config.put("add_bos_token", true);
        config.put("add_eos_token", false);
        ObjectNode decoder = config.putObject("added_tokens_decoder");
        for (int id = 0; id < SPECIAL_TOKENS.size(); id++) {
            ObjectNode token = decoder.putObject(Integer.toString(id));
            token.put("content", SPECIAL_TOKENS.get(id));
            token.put("lstrip", false);
            token.put("normalized", false);
            token.put("rstrip", false);
            token.put("single_word", false);
            token.put("special", true);
        }
        config.put("bos_token", BOS);
        config.put("chat_template", CHAT_TEMPLATE);
        config.put("clean_up_tokenization_spaces", false);
        config.put("eos_token", EOS);
        config.put("model_max_length", modelMaxLength);
        config.put("pad_token", PAD);
        config.put("tokenizer_class", "PreTrainedTokenizerFast");
        config.put("unk_token", UNK);
        return config;
    }

    static ObjectNode specialTokensMap() {
        ObjectNode map = JsonFiles.MAPPER.createObjectNode();
        map.put("bos_token", BOS);
        map.put("eos_token", EOS);
        map.put("pad_token", PAD);
        map.put("unk_token", UNK);
        return map;
    }

    private static void addSpecial(ArrayNode template, String token, int typeId) {
        ObjectNode special = template.addObject().putObject("SpecialToken");
        special.put("id", token);
        special.put("type_id", typeId);
    }

    private static void addSequence(ArrayNode template, String id, int typeId) {
        ObjectNode sequence = template.addObject().putObject("Sequence");
        sequence.put("id", id);
        sequence.put("type_id", typeId);
    }
}
