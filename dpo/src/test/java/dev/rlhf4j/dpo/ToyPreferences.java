package dev.rlhf4j.dpo;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * A toy preference set as TRL text triples: every chosen response praises ("good"), every rejected
 * one complains ("bad"), in a few random phrasings; the prompts differ between seeds.
 */
final class ToyPreferences {

    private static final String[] SUBJECTS = {"the mill", "the bread", "the honey", "the market", "the river",
        "the wheel", "the bees", "the hill"};
    private static final String[] GOOD = {" It is good.", " Good, very good.", " So good!"};
    private static final String[] BAD = {" It is bad.", " Bad, very bad.", " So bad!"};

    private ToyPreferences() {}

    static Path write(Path file, int pairs, long seed) throws IOException {
        Random random = new Random(seed);
        List<String> lines = new ArrayList<>();
        for (int i = 0; i < pairs; i++) {
            String prompt = "How is " + SUBJECTS[random.nextInt(SUBJECTS.length)] + " " + (seed * 100 + i) + "?";
            lines.add("{\"prompt\": \"" + prompt + "\", \"chosen\": \"" + GOOD[random.nextInt(GOOD.length)]
                    + "\", \"rejected\": \"" + BAD[random.nextInt(BAD.length)] + "\"}");
        }
        Files.write(file, lines);
        return file;
    }
}
