package dev.rlhf4j.rm.train;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * A linearly separable preference set in the canonical format: a response's hidden value is +1
 * per "honey" and −1 per "socks" among a few filler words (in random positions), and the response
 * with the higher value is chosen. Most records are single pairs; every fourth prompt is a ranking
 * of three responses (values +1, 0, −1: three pairs sharing a group_id); a few ties are mixed in.
 */
final class SyntheticPreferences {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String[] WORDS = {"the", "mill", "river", "wheel", "baker", "water", "flour", "market",
        "lamp", "square", "evening", "miller"};

    private SyntheticPreferences() {}

    /** Writes {@code prompts} prompts' records to {@code file}; returns the number of lines. */
    static int write(Path file, int prompts, long seed) throws IOException {
        Random rng = new Random(seed);
        List<String> lines = new ArrayList<>();
        for (int p = 0; p < prompts; p++) {
            String prompt = "Tell me about the " + WORDS[rng.nextInt(WORDS.length)] + ".";
            if (p % 4 == 3) {
                String best = response(rng, "honey");
                String mid = response(rng, null);
                String worst = response(rng, "socks");
                String group = "g" + seed + "-" + p;
                lines.add(record(prompt, best, mid, group, false));
                lines.add(record(prompt, best, worst, group, false));
                lines.add(record(prompt, mid, worst, group, false));
            } else if (p % 10 == 9) {
                lines.add(record(prompt, response(rng, "honey"), response(rng, "honey"), null, true));
            } else {
                lines.add(record(prompt, response(rng, "honey"), response(rng, "socks"), null, false));
            }
        }
        Files.write(file, lines);
        return lines.size();
    }

    private static String response(Random rng, String marker) {
        List<String> words = new ArrayList<>();
        int n = 2 + rng.nextInt(3);
        for (int i = 0; i < n; i++) {
            words.add(WORDS[rng.nextInt(WORDS.length)]);
        }
        if (marker != null) {
            words.add(rng.nextInt(words.size() + 1), marker);
        }
        return String.join(" ", words) + ".";
    }

    private static String record(String prompt, String chosen, String rejected, String group, boolean tie)
            throws IOException {
        ObjectNode r = JSON.createObjectNode();
        messages(r.putArray("prompt"), "user", prompt);
        messages(r.putArray("chosen"), "assistant", chosen);
        messages(r.putArray("rejected"), "assistant", rejected);
        r.put("tie", tie);
        if (group != null) {
            r.put("group_id", group);
        }
        r.put("source", "synthetic");
        return JSON.writeValueAsString(r);
    }

    private static void messages(ArrayNode list, String role, String content) {
        list.addObject().put("role", role).put("content", content);
    }
}
