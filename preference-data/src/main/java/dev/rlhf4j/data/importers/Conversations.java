package dev.rlhf4j.data.importers;

import dev.rlhf4j.data.record.Message;
import java.util.List;

/** Prompt extraction shared by the formats that store whole conversations per side. */
final class Conversations {

    private Conversations() {}

    /** A prompt and the two sides that follow it. */
    record Split(List<Message> prompt, List<Message> chosen, List<Message> rejected) {}

    /** Prompt = the longest common prefix of the two message lists (TRL's implicit prompt). */
    static Split implicitPrompt(List<Message> chosen, List<Message> rejected) {
        int n = 0;
        int max = Math.min(chosen.size(), rejected.size());
        while (n < max && chosen.get(n).equals(rejected.get(n))) {
            n++;
        }
        return new Split(List.copyOf(chosen.subList(0, n)), List.copyOf(chosen.subList(n, chosen.size())),
                List.copyOf(rejected.subList(n, rejected.size())));
    }

    /**
     * Text prompt = the longest common prefix of two strings, cut back to just after the last
     * whitespace (so a shared word start such as "ap" of "apples"/"apricots" stays with the
     * responses); responses are the remainders.
     */
    static String[] implicitTextPrompt(String chosen, String rejected) {
        int n = 0;
        int max = Math.min(chosen.length(), rejected.length());
        while (n < max && chosen.charAt(n) == rejected.charAt(n)) {
            n++;
        }
        if (n < max || n < chosen.length() || n < rejected.length()) {
            int cut = n;
            while (cut > 0 && !Character.isWhitespace(chosen.charAt(cut - 1))) {
                cut--;
            }
            n = cut;
        }
        if (n > 0 && Character.isLowSurrogate(chosen.charAt(n - 1)) == false
                && n < chosen.length() && Character.isLowSurrogate(chosen.charAt(n))) {
            n--; // never split a surrogate pair
        }
        return new String[] {chosen.substring(0, n), chosen.substring(n), rejected.substring(n)};
    }
}
