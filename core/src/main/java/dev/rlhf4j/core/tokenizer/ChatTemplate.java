package dev.rlhf4j.core.tokenizer;

import com.hubspot.jinjava.Jinjava;
import com.hubspot.jinjava.JinjavaConfig;
import com.hubspot.jinjava.el.JinjavaNodePreProcessor;
import com.hubspot.jinjava.el.JinjavaProcessors;
import com.hubspot.jinjava.interpret.Context;
import com.hubspot.jinjava.interpret.InterpretException;
import com.hubspot.jinjava.interpret.JinjavaInterpreter;
import com.hubspot.jinjava.interpret.RenderResult;
import com.hubspot.jinjava.interpret.TemplateError;
import com.hubspot.jinjava.lib.fn.ELFunctionDefinition;
import com.hubspot.jinjava.tree.Node;
import java.io.IOException;
import java.time.Duration;
import java.time.LocalDateTime;
import java.time.format.TextStyle;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.function.BiConsumer;

/**
 * Renders a Hugging Face {@code chat_template} (Jinja) with Jinjava, with the variables
 * transformers passes: {@code messages}, {@code add_generation_prompt}, {@code bos_token},
 * {@code eos_token}, and its two functions {@code raise_exception(message)} and
 * {@code strftime_now(format)}. Models without a template get {@link #PLAIN}.
 *
 * <p>A template comes with a downloaded model directory, so it is treated as untrusted code, as
 * transformers does with its sandboxed Jinja environment. Every render is bounded:
 *
 * <ul>
 *   <li>time: the deadline is checked before every template node, on the rendering thread, so a
 *       runaway loop stops itself within one node of the limit. (Rendering on a worker thread
 *       and abandoning it would leave that thread burning CPU: Jinjava stops only at a node, as
 *       it does for an interrupt.) No single node runs long, because of the next limits;
 *   <li>size: output and every string built are capped (Jinjava's output and string limits),
 *       lists and maps too ({@code l + l} doubling), and {@code range()} yields at most 1000
 *       numbers, as in Jinjava by default;
 *   <li>no other template is read: include, import, from and extends fail (Jinjava's default
 *       would read them from the class path), and the regex and nested-render filters are off;
 *   <li>message text is data: template syntax inside it is printed, not interpreted (Jinjava
 *       would otherwise render {@code {{ }}} found in an expression's value).
 * </ul>
 *
 * Every failure is an {@link IllegalArgumentException} naming where the template came from.
 */
public final class ChatTemplate {

    /** The built-in template for models without one: role-tagged turns, one per line. */
    public static final String PLAIN = "{% for message in messages %}"
            + "{{ message['role'] }}: {{ message['content'] }}\n"
            + "{% endfor %}{% if add_generation_prompt %}assistant:{% endif %}";

    /**
     * Bounds of one render.
     *
     * @param timeLimit wall time of one render (default 2 s; real templates take milliseconds)
     * @param maxOutputChars characters of output, and of any string built on the way (default 1 MiB)
     * @param maxCollectionSize elements of a list or map built on the way (default 100 000)
     */
    public record Limits(Duration timeLimit, long maxOutputChars, int maxCollectionSize) {
        public static final Limits DEFAULT = new Limits(Duration.ofSeconds(2), 1 << 20, 100_000);
    }

    /** Filters left out: they run unbounded on one node (regex backtracking) or render other templates. */
    private static final Set<String> DISABLED_FILTERS = Set.of("regex_replace", "render");

    private final String source;
    private final String origin;
    private final Limits limits;
    private final Jinjava jinjava;

    /** A template of unknown origin (its errors say {@code chat_template}). */
    public ChatTemplate(String source) {
        this(source, "chat_template");
    }

    /**
     * @param origin where the template was read from, e.g. {@code DIR/tokenizer_config.json}; the
     *     prefix of every error
     */
    public ChatTemplate(String source, String origin) {
        this(source, origin, Limits.DEFAULT);
    }

    ChatTemplate(String source, String origin, Limits limits) {
        this.source = source;
        this.origin = origin;
        this.limits = limits;
        this.jinjava = new Jinjava(config(null));
        this.jinjava.setResourceLocator((name, charset, interpreter) -> {
            throw new IOException("cannot read template '" + name + "': a chat template must be self-contained"
                    + " (include, import, from and extends are disabled)");
        });
        jinjava.getGlobalContext().registerFunction(
                new ELFunctionDefinition("", "raise_exception", ChatTemplate.class, "raiseException", String.class));
        jinjava.getGlobalContext().registerFunction(
                new ELFunctionDefinition("", "strftime_now", ChatTemplate.class, "strftimeNow", String.class));
    }

    public String source() {
        return source;
    }

    /** The prompt text for {@code messages}; throws naming the template's origin if rendering fails. */
    public String render(List<ChatMessage> messages, boolean addGenerationPrompt, String bosToken, String eosToken) {
        Map<String, Object> context = new HashMap<>();
        context.put("messages", messages.stream().map(m -> Map.of("role", m.role(), "content", m.content())).toList());
        context.put("add_generation_prompt", addGenerationPrompt);
        context.put("bos_token", bosToken == null ? "" : bosToken);
        context.put("eos_token", eosToken == null ? "" : eosToken);
        Guard guard = new Guard(System.nanoTime() + limits.timeLimit().toNanos());
        RenderResult result = jinjava.renderForResult(source, context, config(guard));
        if (guard.raised != null) {
            throw new IllegalArgumentException(origin + ": chat_template raised an error: " + guard.raised);
        }
        if (guard.timedOut) {
            throw new IllegalArgumentException(origin + ": chat_template took longer than "
                    + limits.timeLimit().toMillis() + " ms to render (the limit); it loops far more than a chat"
                    + " template needs");
        }
        List<TemplateError> errors = result.getErrors().stream()
                .filter(e -> e.getSeverity() == TemplateError.ErrorType.FATAL)
                .toList();
        boolean tooBig = result.getOutput().length() > limits.maxOutputChars() || errors.stream().anyMatch(
                e -> e.getReason() == TemplateError.ErrorReason.OUTPUT_TOO_BIG
                        || String.valueOf(e.getMessage()).contains("OutputTooBigException"));
        if (tooBig) {
            throw new IllegalArgumentException(origin + ": chat_template output is larger than "
                    + limits.maxOutputChars() + " characters (the limit)"
                    + (errors.isEmpty() ? "" : ": " + message(errors.get(0))));
        }
        if (!errors.isEmpty()) {
            throw new IllegalArgumentException(origin + ": chat_template failed to render: " + message(errors.get(0)));
        }
        return result.getOutput();
    }

    /** Jinjava's message without the class name it starts with when it wraps an exception. */
    private static String message(TemplateError e) {
        String m = String.valueOf(e.getMessage());
        return m.startsWith("InterpretException: ") ? m.substring("InterpretException: ".length()) : m;
    }

    /** The configuration of one render; {@code guard} watches it (null: the template's global one). */
    private JinjavaConfig config(Guard guard) {
        return JinjavaConfig.newBuilder()
                .withTrimBlocks(false)
                .withLstripBlocks(false)
                .withNestedInterpretationEnabled(false)
                .withMaxOutputSize(limits.maxOutputChars())
                .withMaxStringLength(limits.maxOutputChars())
                .withMaxListSize(limits.maxCollectionSize())
                .withMaxMapSize(limits.maxCollectionSize())
                .withDisabled(Map.of(Context.Library.FILTER, DISABLED_FILTERS))
                .withProcessors(guard == null ? JinjavaProcessors.newBuilder().build()
                        : JinjavaProcessors.newBuilder().withNodePreProcessor(guard).build())
                .build();
    }

    /**
     * Watches one render before every node: past the deadline, or once the template has called
     * {@code raise_exception}, it ends the render (Jinjava records an error in an expression and
     * carries on; an exception from here ends the whole render).
     */
    private static final class Guard extends JinjavaNodePreProcessor implements BiConsumer<Node, JinjavaInterpreter> {
        private final long deadline;
        private volatile String raised;
        private volatile boolean timedOut;

        Guard(long deadline) {
            this.deadline = deadline;
        }

        @Override
        public void accept(Node node, JinjavaInterpreter interpreter) {
            super.accept(node, interpreter);
            if (raised != null) {
                throw new InterpretException("raise_exception: " + raised, node.getLineNumber());
            }
            if (System.nanoTime() - deadline > 0) {
                timedOut = true;
                throw new InterpretException("time limit exceeded", node.getLineNumber());
            }
        }
    }

    /**
     * {@code raise_exception(message)}: transformers raises a {@code TemplateError} with the message
     * (templates use it to refuse, say, a system turn); here the render fails with it.
     */
    public static String raiseException(String message) {
        JinjavaInterpreter interpreter = JinjavaInterpreter.getCurrent();
        if (interpreter != null && interpreter.getConfig().getProcessors().getNodePreProcessor() instanceof Guard g) {
            g.raised = String.valueOf(message);
        }
        throw new InterpretException("raise_exception: " + message);
    }

    /**
     * {@code strftime_now(format)}: the local time formatted like Python's {@code strftime} (Llama
     * 3.x templates print today's date), for the directives templates use.
     */
    public static String strftimeNow(String format) {
        return strftime(LocalDateTime.now(), format);
    }

    static String strftime(LocalDateTime t, String format) {
        StringBuilder out = new StringBuilder();
        for (int i = 0; i < format.length(); i++) {
            char c = format.charAt(i);
            if (c != '%' || i + 1 == format.length()) {
                out.append(c);
                continue;
            }
            char d = format.charAt(++i);
            switch (d) {
                case 'Y' -> out.append(t.getYear());
                case 'y' -> out.append(two(t.getYear() % 100));
                case 'm' -> out.append(two(t.getMonthValue()));
                case 'd' -> out.append(two(t.getDayOfMonth()));
                case 'e' -> out.append(String.format(Locale.ROOT, "%2d", t.getDayOfMonth()));
                case 'j' -> out.append(String.format(Locale.ROOT, "%03d", t.getDayOfYear()));
                case 'H' -> out.append(two(t.getHour()));
                case 'I' -> out.append(two(t.getHour() % 12 == 0 ? 12 : t.getHour() % 12));
                case 'M' -> out.append(two(t.getMinute()));
                case 'S' -> out.append(two(t.getSecond()));
                case 'p' -> out.append(t.getHour() < 12 ? "AM" : "PM");
                case 'b', 'h' -> out.append(t.getMonth().getDisplayName(TextStyle.SHORT, Locale.ENGLISH));
                case 'B' -> out.append(t.getMonth().getDisplayName(TextStyle.FULL, Locale.ENGLISH));
                case 'a' -> out.append(t.getDayOfWeek().getDisplayName(TextStyle.SHORT, Locale.ENGLISH));
                case 'A' -> out.append(t.getDayOfWeek().getDisplayName(TextStyle.FULL, Locale.ENGLISH));
                case '%' -> out.append('%');
                default -> out.append('%').append(d); // as Python leaves an unknown directive
            }
        }
        return out.toString();
    }

    private static String two(int v) {
        return v < 10 ? "0" + v : String.valueOf(v);
    }
}
