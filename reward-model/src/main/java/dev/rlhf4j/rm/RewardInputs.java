package dev.rlhf4j.rm;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.rlhf4j.core.tokenizer.ChatMessage;
import dev.rlhf4j.core.tokenizer.ChatTemplate;
import dev.rlhf4j.core.tokenizer.Tokenizer;
import dev.rlhf4j.core.util.Checks;
import dev.rlhf4j.rm.data.PreferencePair;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The one definition of what a reward model reads: how a (prompt, response) pair becomes token
 * ids, the same in training, {@code rm eval}, {@code rm score}, PPO's scoring and the pipeline's
 * evaluation, so that a model never scores text laid out differently from what it was trained on.
 *
 * <ol>
 *   <li><b>Plain text</b> (a string prompt and a string response: TRL text triples, records marked
 *       {@code meta.text}, PPO prompts given as {@code "prompt"}): {@code prompt + response}
 *       exactly as given, with no separator (TRL's convention, where the response carries its own
 *       leading space), encoded with special tokens ({@link #text}). Example: {@code "The sky is"}
 *       and {@code " blue."} read as {@code "The sky is blue."} + EOS.
 *   <li><b>Conversation</b> (records of chat exports, RewardBench rows, PPO prompts given as
 *       {@code "messages"}): the prompt turns followed by the response turn(s), rendered with the
 *       tokenizer's chat template with {@code add_generation_prompt} false ({@link
 *       #conversation}). A model's own template writes its special tokens itself, so the text is
 *       encoded without them, as transformers' {@code apply_chat_template} does. Example with a
 *       ChatML template: {@code <|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\nHello!<|im_end|>\n}
 *       + EOS. A model without a template gets the built-in {@link ChatTemplate#PLAIN} rendering
 *       ({@code "user: ...\nassistant: ...\n"}, encoded with special tokens); it is never used for
 *       text data.
 *   <li><b>EOS</b>: appended unless the ids already end with the tokenizer's EOS (PPO-NOTES). A
 *       tokenizer without EOS appends nothing. Where the score is read is the model's business
 *       ({@link RewardModel}: transformers' rule, the last token that is not padding).
 *   <li><b>Length</b>: sequences longer than {@code maxLength} lose tokens from the front (the
 *       oldest prompt tokens go first, a leading BOS stays), so the response and its EOS are
 *       always kept. {@link #truncated} counts them.
 * </ol>
 *
 * <p><b>Encoders</b> ({@link Layout#ENCODER}: BERT, RoBERTa, DeBERTa read the score at their first
 * token) read the same text with the special tokens their tokenizer's post-processor adds
 * ({@code [CLS] text [SEP]}, {@code <s> text </s>}) and nothing else: no EOS is appended, and a
 * conversation rendered by a chat template is encoded with those special tokens too, so the first
 * token is always the one the head reads. Without a chat template a conversation is the built-in
 * {@code "role: content"} lines, as for decoders. Truncation keeps the first token and the end of
 * the text. The text is one segment (token types 0), not a (prompt, response) pair.
 */
public final class RewardInputs {

    /** How a kind of reward model reads its input; see the class comment. */
    public enum Layout {
        /** Decoders: text + EOS, score at the last real token. */
        DECODER,
        /** Encoders: the post-processor's special tokens only, score at the first token. */
        ENCODER
    }

    private final Tokenizer tokenizer;
    private final int maxLength;
    private final Layout layout;
    private final boolean builtInTemplate;
    private final AtomicLong truncated = new AtomicLong();

    /**
     * Decoder layout.
     *
     * @param tokenizer the reward model's tokenizer
     * @param maxLength the longest sequence kept, in tokens (>= 2)
     */
    public RewardInputs(Tokenizer tokenizer, int maxLength) {
        this(tokenizer, maxLength, Layout.DECODER);
    }

    /**
     * @param tokenizer the reward model's tokenizer
     * @param maxLength the longest sequence kept, in tokens (>= 2)
     * @param layout the kind of model that reads the ids
     */
    public RewardInputs(Tokenizer tokenizer, int maxLength, Layout layout) {
        this.tokenizer = Checks.notNull("tokenizer", tokenizer);
        this.maxLength = (int) Checks.between("max_length", maxLength, 2, Integer.MAX_VALUE);
        this.layout = Checks.notNull("layout", layout);
        this.builtInTemplate = ChatTemplate.PLAIN.equals(tokenizer.chatTemplate().source());
    }

    /**
     * The inputs {@code model} reads: its layout, and at most {@code maxLength} tokens (null: the
     * model's own limit, {@link RewardModel#maxLength}).
     *
     * @throws IllegalArgumentException when {@code maxLength} exceeds the model's limit
     */
    public static RewardInputs forModel(RewardModel model, Tokenizer tokenizer, Integer maxLength) {
        int limit = model.maxLength();
        if (maxLength != null && maxLength > limit) {
            throw new IllegalArgumentException("max_length must be at most the model's " + limit + " positions"
                    + " (max_position_embeddings in config.json), but is: " + maxLength);
        }
        return new RewardInputs(tokenizer, maxLength != null ? maxLength : limit, model.inputLayout());
    }

    /** The ids of one side of a pair: text or conversation, as the pair's source was. */
    public long[] side(PreferencePair pair, boolean chosen) {
        List<ChatMessage> response = chosen ? pair.chosen() : pair.rejected();
        return pair.text()
                ? text(pair.promptText(), chosen ? pair.chosenText() : pair.rejectedText())
                : conversation(pair.prompt(), response);
    }

    /** The ids of a conversation: prompt turns, then the response turn(s); see the class comment. */
    public long[] conversation(List<ChatMessage> prompt, List<ChatMessage> response) {
        String text = render(prompt, response);
        boolean specialTokens = builtInTemplate || layout == Layout.ENCODER;
        long[] ids = specialTokens ? tokenizer.encode(text) : tokenizer.encodePlain(text);
        return finish(ids);
    }

    /** The rendered text of {@link #conversation} before EOS and truncation. */
    public String render(List<ChatMessage> prompt, List<ChatMessage> response) {
        List<ChatMessage> all = new ArrayList<>(prompt.size() + response.size());
        all.addAll(prompt);
        all.addAll(response);
        return tokenizer.applyChatTemplate(all, false);
    }

    /** The ids of plain text {@code prompt + response}; see the class comment. */
    public long[] text(String prompt, String response) {
        return finish(tokenizer.encode(prompt + response));
    }

    /** Appends EOS if missing (decoders) and truncates from the front; see the class comment. */
    public long[] finish(long[] ids) {
        int eos = tokenizer.eosId();
        boolean encoder = layout == Layout.ENCODER;
        if (!encoder && eos >= 0 && (ids.length == 0 || ids[ids.length - 1] != eos)) {
            ids = Arrays.copyOf(ids, ids.length + 1);
            ids[ids.length - 1] = eos;
        }
        if (ids.length <= maxLength) {
            return ids;
        }
        truncated.incrementAndGet();
        int bos = tokenizer.bosId();
        if (encoder || bos >= 0 && ids[0] == bos) { // an encoder's first token is the one its head reads
            long[] out = new long[maxLength];
            out[0] = ids[0];
            System.arraycopy(ids, ids.length - (maxLength - 1), out, 1, maxLength - 1);
            return out;
        }
        return Arrays.copyOfRange(ids, ids.length - maxLength, ids.length);
    }

    /** Sequences shortened to {@code maxLength} so far. */
    public long truncated() {
        return truncated.get();
    }

    /** The longest sequence kept. */
    public int maxLength() {
        return maxLength;
    }

    /** The layout. */
    public Layout layout() {
        return layout;
    }

    /** The tokenizer. */
    public Tokenizer tokenizer() {
        return tokenizer;
    }

    /**
     * A right-padded batch.
     *
     * @param ids (N, T) int64, pads = {@code padId}
     * @param mask (N, T) int64, 1 on real tokens
     * @param realTokens the number of real tokens
     */
    public record Batch(NDArray ids, NDArray mask, long realTokens) {

        /** Pads {@code sequences} on the right to the longest one; arrays are created in {@code manager}. */
        public static Batch of(List<long[]> sequences, long padId, NDManager manager) {
            Checks.notEmpty("sequences", sequences);
            int t = 1;
            for (long[] s : sequences) {
                t = Math.max(t, s.length);
            }
            int n = sequences.size();
            long[] ids = new long[n * t];
            long[] mask = new long[n * t];
            Arrays.fill(ids, padId);
            long real = 0;
            for (int i = 0; i < n; i++) {
                long[] s = sequences.get(i);
                System.arraycopy(s, 0, ids, i * t, s.length);
                Arrays.fill(mask, i * t, i * t + s.length, 1L);
                real += s.length;
            }
            Shape shape = new Shape(n, t);
            return new Batch(manager.create(ids, shape), manager.create(mask, shape), real);
        }
    }
}
