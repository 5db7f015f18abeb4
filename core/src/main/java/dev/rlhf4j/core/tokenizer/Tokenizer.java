package dev.rlhf4j.core.tokenizer;

import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.rlhf4j.core.io.JsonFile;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * A Hugging Face tokenizer ({@code tokenizer.json} through DJL's binding) with its special tokens
 * resolved from {@code tokenizer_config.json}, {@code generation_config.json} and
 * {@code config.json}, and its chat template.
 *
 * <p>{@link #encode} adds special tokens exactly as transformers' {@code tokenizer(text)} does (the
 * post-processor in tokenizer.json decides: Llama adds BOS, GPT-2 adds nothing).
 */
public final class Tokenizer implements AutoCloseable {
    private static final ObjectMapper JSON = new ObjectMapper();

    private final HuggingFaceTokenizer hf;
    private final Path directory;
    private final String bosToken;
    private final String eosToken;
    private final int bosId;
    private final List<Integer> eosIds;
    private final int padId;
    private final ChatTemplate chatTemplate;

    private Tokenizer(HuggingFaceTokenizer hf, Path directory, String bosToken, String eosToken, int bosId,
            List<Integer> eosIds, int padId, ChatTemplate chatTemplate) {
        this.hf = hf;
        this.directory = directory;
        this.bosToken = bosToken;
        this.eosToken = eosToken;
        this.bosId = bosId;
        this.eosIds = List.copyOf(eosIds);
        this.padId = padId;
        this.chatTemplate = chatTemplate;
    }

    /** Loads the tokenizer of a model directory. */
    public static Tokenizer load(Path dir) {
        Path file = dir.resolve("tokenizer.json");
        if (!Files.exists(dir)) {
            throw new IllegalArgumentException(dir + ": no such model directory");
        }
        if (!Files.exists(file)) {
            throw new IllegalArgumentException(dir + ": no tokenizer.json (only fast tokenizers are supported; "
                    + "save one with transformers' AutoTokenizer.from_pretrained(...).save_pretrained(dir))");
        }
        HuggingFaceTokenizer hf;
        try {
            hf = HuggingFaceTokenizer.newInstance(file, Map.of(
                    "addSpecialTokens", "true", "padding", "false", "truncation", "false", "modelMaxLength", "1000000000"));
        } catch (IOException | RuntimeException e) {
            throw new IllegalArgumentException(file + ": cannot load tokenizer: " + e.getMessage(), e);
        }
        JsonNode tc = readJson(dir.resolve("tokenizer_config.json"));
        JsonNode gc = readJson(dir.resolve("generation_config.json"));
        JsonNode mc = readJson(dir.resolve("config.json"));
        String bos = tokenText(tc.get("bos_token"));
        String eos = tokenText(tc.get("eos_token"));
        String pad = tokenText(tc.get("pad_token"));
        int bosId = firstId(gc.get("bos_token_id"), mc.get("bos_token_id"), idOf(hf, bos));
        List<Integer> eosIds = ids(gc.get("eos_token_id"));
        if (eosIds.isEmpty()) {
            eosIds = ids(mc.get("eos_token_id"));
        }
        if (eosIds.isEmpty() && idOf(hf, eos) >= 0) {
            eosIds = List.of(idOf(hf, eos));
        }
        int eosTokenId = eos != null ? idOf(hf, eos) : -1;
        if (eosTokenId >= 0 && !eosIds.contains(eosTokenId)) {
            eosIds = new ArrayList<>(eosIds);
            eosIds.add(0, eosTokenId);
        }
        int padId = firstId(gc.get("pad_token_id"), mc.get("pad_token_id"), idOf(hf, pad));
        String template = templateText(tc.get("chat_template"));
        Path templateFile = dir.resolve("tokenizer_config.json");
        if (template == null && Files.exists(dir.resolve("chat_template.jinja"))) {
            templateFile = dir.resolve("chat_template.jinja");
            try {
                template = Files.readString(templateFile);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        // a template's errors name the file it came from, so the user knows which model to blame
        ChatTemplate chatTemplate = template != null ? new ChatTemplate(template, templateFile.toString())
                : new ChatTemplate(ChatTemplate.PLAIN, "built-in chat template (" + dir + " has none)");
        return new Tokenizer(hf, dir, bos, eos, bosId, eosIds, padId, chatTemplate);
    }

    /** Token ids of {@code text}, special tokens added as the tokenizer's post-processor says. */
    public long[] encode(String text) {
        return hf.encode(text, true, false).getIds();
    }

    /** Token ids of {@code text} without any special tokens. */
    public long[] encodePlain(String text) {
        return hf.encode(text, false, false).getIds();
    }

    public String decode(long[] ids, boolean skipSpecialTokens) {
        return hf.decode(ids, skipSpecialTokens);
    }

    /** BOS id, or -1. */
    public int bosId() {
        return bosId;
    }

    /** End-of-sequence ids: the tokenizer's EOS first, then any further ids from generation_config.json. */
    public List<Integer> eosIds() {
        return eosIds;
    }

    /** The main EOS id, or -1. */
    public int eosId() {
        return eosIds.isEmpty() ? -1 : eosIds.get(0);
    }

    /** Padding id: the configured pad token, else EOS (as TRL does), else 0. */
    public int padId() {
        if (padId >= 0) {
            return padId;
        }
        return eosId() >= 0 ? eosId() : 0;
    }

    /** Whether the tokenizer defines a pad token of its own. */
    public boolean hasPadToken() {
        return padId >= 0;
    }

    public ChatTemplate chatTemplate() {
        return chatTemplate;
    }

    /** The prompt text for a conversation, rendered with the model's chat template. */
    public String applyChatTemplate(List<ChatMessage> messages, boolean addGenerationPrompt) {
        return chatTemplate.render(messages, addGenerationPrompt, bosToken, eosToken);
    }

    /** The directory this tokenizer was loaded from; its files are copied when a model is saved. */
    public Path directory() {
        return directory;
    }

    /** Tokenizer files copied along with a model directory. */
    public static final List<String> FILES = List.of("tokenizer.json", "tokenizer_config.json",
            "special_tokens_map.json", "chat_template.jinja", "generation_config.json");

    @Override
    public void close() {
        hf.close();
    }

    private static JsonNode readJson(Path file) {
        if (!Files.exists(file)) {
            return JSON.createObjectNode();
        }
        return JsonFile.read(file);
    }

    private static String tokenText(JsonNode node) {
        if (node == null || node.isNull()) {
            return null;
        }
        return node.isObject() ? node.path("content").asText(null) : node.asText();
    }

    private static String templateText(JsonNode node) {
        if (node == null || node.isNull()) {
            return null;
        }
        if (node.isArray()) { // [{name, template}]: take "default"
            for (JsonNode t : node) {
                if (t.path("name").asText().equals("default")) {
                    return t.path("template").asText();
                }
            }
            return node.isEmpty() ? null : node.get(0).path("template").asText();
        }
        return node.asText();
    }

    private static int idOf(HuggingFaceTokenizer hf, String token) {
        if (token == null) {
            return -1;
        }
        long[] ids = hf.encode(token, false, false).getIds();
        return ids.length == 1 ? (int) ids[0] : -1;
    }

    private static List<Integer> ids(JsonNode node) {
        List<Integer> out = new ArrayList<>();
        if (node == null || node.isNull()) {
            return out;
        }
        if (node.isArray()) {
            node.forEach(n -> out.add(n.asInt()));
        } else {
            out.add(node.asInt());
        }
        return out;
    }

    private static int firstId(JsonNode first, JsonNode second, int fallback) {
        for (JsonNode n : new JsonNode[] {first, second}) {
            List<Integer> ids = ids(n);
            if (!ids.isEmpty()) {
                return ids.get(0);
            }
        }
        return fallback;
    }
}
