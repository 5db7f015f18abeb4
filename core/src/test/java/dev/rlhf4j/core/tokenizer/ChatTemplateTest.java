package dev.rlhf4j.core.tokenizer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.rlhf4j.core.testing.Fixtures;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.LocalDate;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.Locale;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A chat template comes with a downloaded model directory, so it is untrusted input: every render
 * is bounded in time and size, reads no other template, and {@code raise_exception} fails it with
 * the template's own message. Real templates render exactly as before.
 */
class ChatTemplateTest {

    private static final List<ChatMessage> CONVERSATION = List.of(
            ChatMessage.user("Hi"), new ChatMessage("assistant", "Hello"), ChatMessage.user("How?"));

    /** Mistral-7B-Instruct-v0.1's template: alternation enforced with raise_exception. */
    private static final String MISTRAL = "{{ bos_token }}{% for message in messages %}"
            + "{% if (message['role'] == 'user') != (loop.index0 % 2 == 0) %}"
            + "{{ raise_exception('Conversation roles must alternate user/assistant/user/assistant/...') }}{% endif %}"
            + "{% if message['role'] == 'user' %}{{ '[INST] ' + message['content'] + ' [/INST]' }}"
            + "{% elif message['role'] == 'assistant' %}{{ message['content'] + eos_token}}"
            + "{% else %}{{ raise_exception('Only user and assistant roles are supported!') }}{% endif %}{% endfor %}";

    private static final String ORIGIN = "models/x/tokenizer_config.json";

    /** Renders with the default limits, failing the test instead of hanging when a render is not bounded. */
    private static String render(String template) {
        return assertTimeoutPreemptively(Duration.ofSeconds(20),
                () -> new ChatTemplate(template, ORIGIN).render(CONVERSATION, true, "<s>", "</s>"));
    }

    private static String renderError(String template) {
        long start = System.nanoTime();
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> render(template));
        double seconds = (System.nanoTime() - start) / 1e9;
        assertTrue(seconds < 10, "failed after " + seconds + " s");
        return e.getMessage();
    }

    @Test
    void realTemplatesRenderAsTransformersDoes() {
        assertEquals("<s>[INST] Hi [/INST]Hello</s>[INST] How? [/INST]", render(MISTRAL));
        assertEquals("user: Hi\nassistant: Hello\nuser: How?\nassistant:", render(ChatTemplate.PLAIN));
        String chatMl = "{% for message in messages %}{{ '<|im_start|>' + message['role'] + '\\n' + message['content']"
                + " + '<|im_end|>' + '\\n' }}{% endfor %}{% if add_generation_prompt %}{{ '<|im_start|>assistant\\n' }}{% endif %}";
        assertEquals("<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\nHello<|im_end|>\n<|im_start|>user\nHow?"
                + "<|im_end|>\n<|im_start|>assistant\n", render(chatMl));
    }

    @Test
    void raiseExceptionFailsTheRenderWithTheTemplatesMessage() {
        List<ChatMessage> twoUsers = List.of(ChatMessage.user("a"), ChatMessage.user("b"));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new ChatTemplate(MISTRAL, ORIGIN).render(twoUsers, false, "<s>", "</s>"));
        assertEquals(ORIGIN + ": chat_template raised an error: Conversation roles must alternate"
                + " user/assistant/user/assistant/...", e.getMessage());
    }

    @Test
    void nestedLoopsStopAtTheTimeLimit() {
        String message = renderError("{% for a in range(1000) %}{% for b in range(1000) %}{% for c in range(1000) %}"
                + "{{ '' }}{% endfor %}{% endfor %}{% endfor %}");
        assertEquals(ORIGIN + ": chat_template took longer than 2000 ms to render (the limit);"
                + " it loops far more than a chat template needs", message);
    }

    @ParameterizedTest
    @ValueSource(strings = {
        "{% set s = 'ab' %}{% for i in range(64) %}{% set s = s ~ s %}{% endfor %}{{ s }}",
        "{% set s = 'ab' %}{% for i in range(64) %}{% set s = s + s %}{% endfor %}{{ s }}",
        "{% for a in range(1000) %}{% for b in range(1000) %}{{ 'xxxxxxxxxx' }}{% endfor %}{% endfor %}"
    })
    void growingStringsAndOutputStopAtTheSizeLimit(String template) {
        String message = renderError(template);
        assertTrue(message.startsWith(ORIGIN + ": chat_template output is larger than 1048576 characters (the limit)"),
                message);
    }

    @Test
    void growingListsStopAtTheSizeLimit() {
        String message = renderError("{% set l = [1] %}{% for i in range(64) %}{% set l = l + l %}{% endfor %}{{ l|length }}");
        assertTrue(message.startsWith(ORIGIN + ": chat_template failed to render: "), message);
    }

    @ParameterizedTest
    @ValueSource(strings = {
        "{% include 'jinjava/include.jinja' %}",
        "{% import 'macros.jinja' as m %}{{ m.x() }}",
        "{% from 'macros.jinja' import x %}{{ x() }}",
        "{% extends 'base.jinja' %}"
    })
    void otherTemplatesAreNeverRead(String template) {
        String message = renderError(template);
        String name = template.replaceAll(".*'([^']+)'.*", "$1");
        assertTrue(message.startsWith(ORIGIN + ": chat_template failed to render: "), message);
        assertTrue(message.contains("cannot read template '" + name + "': a chat template must be self-contained"
                + " (include, import, from and extends are disabled)"), message);
    }

    /** Message text is data: template syntax inside it is not interpreted. */
    @Test
    void messageContentIsNeverInterpreted() {
        String content = "{{ 7 * 7 }} {% for i in range(3) %}x{% endfor %} {{ raise_exception('no') }}";
        String out = new ChatTemplate(ChatTemplate.PLAIN, ORIGIN).render(List.of(ChatMessage.user(content)), false, "", "");
        assertEquals("user: " + content + "\n", out);
    }

    @Test
    void strftimeNowFormatsTodayAsPythonDoes() {
        String out = render("{{ strftime_now('%d %b %Y') }}|{{ strftime_now('%Y-%m-%d') }}|{{ strftime_now('100%%') }}");
        LocalDate today = LocalDate.now();
        assertEquals(today.format(DateTimeFormatter.ofPattern("dd MMM yyyy", Locale.ROOT)) + "|" + today + "|100%", out);
    }

    /** The tokenizer names the file the template came from, in the model directory. */
    @Test
    void errorsNameTheModelDirectory(@TempDir Path tmp) throws IOException {
        Path dir = tmp.resolve("model");
        Files.createDirectories(dir);
        Files.copy(Fixtures.parityModel("gpt2").resolve("tokenizer.json"), dir.resolve("tokenizer.json"));
        Files.writeString(dir.resolve("chat_template.jinja"), "{{ raise_exception('System role not supported') }}");
        try (Tokenizer tok = Tokenizer.load(dir)) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> tok.applyChatTemplate(CONVERSATION, true));
            assertEquals(dir.resolve("chat_template.jinja") + ": chat_template raised an error: System role not supported",
                    e.getMessage());
        }
    }
}
