package dev.rlhf4j.core.tokenizer;

import com.hubspot.jinjava.Jinjava;
import com.hubspot.jinjava.JinjavaConfig;
import com.hubspot.jinjava.interpret.RenderResult;
import com.hubspot.jinjava.interpret.TemplateError;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Renders a Hugging Face {@code chat_template} (Jinja) with Jinjava, with the variables
 * transformers passes: {@code messages}, {@code add_generation_prompt}, {@code bos_token},
 * {@code eos_token}. Models without a template get {@link #PLAIN}.
 */
public final class ChatTemplate {

    /** The built-in template for models without one: role-tagged turns, one per line. */
    public static final String PLAIN = "{% for message in messages %}"
            + "{{ message['role'] }}: {{ message['content'] }}\n"
            + "{% endfor %}{% if add_generation_prompt %}assistant:{% endif %}";

    private final String source;
    private final Jinjava jinjava;

    public ChatTemplate(String source) {
        this.source = source;
        this.jinjava = new Jinjava(JinjavaConfig.newBuilder().withTrimBlocks(false).withLstripBlocks(false).build());
    }

    public String source() {
        return source;
    }

    /** The prompt text for {@code messages}; throws naming the template error if rendering fails. */
    public String render(List<ChatMessage> messages, boolean addGenerationPrompt, String bosToken, String eosToken) {
        Map<String, Object> context = new HashMap<>();
        context.put("messages", messages.stream().map(m -> Map.of("role", m.role(), "content", m.content())).toList());
        context.put("add_generation_prompt", addGenerationPrompt);
        context.put("bos_token", bosToken == null ? "" : bosToken);
        context.put("eos_token", eosToken == null ? "" : eosToken);
        RenderResult result = jinjava.renderForResult(source, context);
        List<TemplateError> errors = result.getErrors().stream()
                .filter(e -> e.getSeverity() == TemplateError.ErrorType.FATAL)
                .toList();
        if (!errors.isEmpty()) {
            throw new IllegalArgumentException("chat_template failed to render: " + errors.get(0).getMessage());
        }
        return result.getOutput();
    }
}
