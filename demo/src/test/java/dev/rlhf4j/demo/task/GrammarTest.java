package dev.rlhf4j.demo.task;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;

class GrammarTest {

    /** A toy grammar with ambiguity and shared prefixes: S -> NP VP ; NP -> the N | the N and N. */
    private static Grammar toy() {
        return Grammar.builder()
                .rule("S", "NP VP .")
                .rule("NP", "the N")
                .rule("NP", "the N and N")
                .rule("N", "cat")
                .rule("N", "dog")
                .rule("VP", "sleeps")
                .rule("VP", 3, "sees NP")
                .build();
    }

    private static List<String> words(String text) {
        return ReviewGrammar.words(text);
    }

    @Test
    void recognisesSentencesOfTheLanguage() {
        Grammar g = toy();
        assertTrue(g.recognises("S", words("the cat sleeps .")));
        assertTrue(g.recognises("S", words("the cat and dog sees the dog .")));
        assertTrue(g.recognises("S", words("the dog sees the cat and cat .")));
    }

    @Test
    void rejectsEverythingElse() {
        Grammar g = toy();
        assertFalse(g.recognises("S", words("")));
        assertFalse(g.recognises("S", words("the cat sleeps")));
        assertFalse(g.recognises("S", words("the cat sleeps . .")));
        assertFalse(g.recognises("S", words("cat the sleeps .")));
        assertFalse(g.recognises("S", words("the cat and sleeps .")));
        assertFalse(g.recognises("S", words("the bird sleeps .")));
        assertFalse(g.recognises("S", words("the cat sees .")));
    }

    /** The language is finite: enumerate it by brute force and compare with the recogniser. */
    @Test
    void recognisesExactlyTheStringsItCanGenerate() {
        Grammar g = toy();
        Set<List<String>> generated = new HashSet<>();
        Random random = new Random(1);
        for (int i = 0; i < 2000; i++) {
            List<String> out = new ArrayList<>();
            g.expand("S", Grammar.Rule::weight, random, out);
            generated.add(out);
        }
        assertEquals(6 * 7, generated.size(), "toy language size: NP has 6 forms, VP 1 + 6");
        // every string over the terminals up to length 10 is accepted exactly when it was generated
        List<String> alphabet = List.copyOf(g.terminals());
        List<List<String>> frontier = List.of(List.of());
        for (int length = 1; length <= 10; length++) {
            List<List<String>> next = new ArrayList<>();
            for (List<String> prefix : frontier) {
                for (String word : alphabet) {
                    List<String> candidate = new ArrayList<>(prefix);
                    candidate.add(word);
                    next.add(candidate);
                    assertEquals(generated.contains(candidate), g.recognises("S", candidate), String.join(" ", candidate));
                }
            }
            frontier = next;
            if (length >= 5) {
                // keep the enumeration small: only extend prefixes of some generated string
                frontier = next.stream().filter(p -> generated.stream().anyMatch(s -> s.size() > p.size()
                        && s.subList(0, p.size()).equals(p))).toList();
            }
        }
    }

    @Test
    void expansionFollowsTheWeights() {
        Grammar g = toy();
        Random random = new Random(7);
        int sees = 0;
        for (int i = 0; i < 4000; i++) {
            List<String> out = new ArrayList<>();
            g.expand("VP", Grammar.Rule::weight, random, out);
            if (out.get(0).equals("sees")) {
                sees++;
            }
        }
        assertEquals(0.75, sees / 4000.0, 0.03);
    }

    @Test
    void longestExpansionCountsWords() {
        Grammar g = toy();
        assertEquals(10, g.longestExpansion("S")); // the N and N sees the N and N .
        assertEquals(4, g.longestExpansion("NP"));
    }

    @Test
    void terminalsAreSortedWords() {
        assertEquals(List.of(".", "and", "cat", "dog", "sees", "sleeps", "the"), List.copyOf(toy().terminals()));
        assertEquals(Set.of("the", "cat", "dog", "and"), toy().terminalsFrom("NP"));
    }

    @Test
    void rejectsBrokenGrammars() {
        IllegalArgumentException missing = assertThrows(IllegalArgumentException.class,
                () -> Grammar.builder().rule("S", "the X").build());
        assertEquals("grammar symbol X is used in a rule of S but has no rules of its own", missing.getMessage());
        IllegalArgumentException empty = assertThrows(IllegalArgumentException.class,
                () -> Grammar.builder().rule("S", " "));
        assertEquals("grammar rule S has an empty right-hand side", empty.getMessage());
        IllegalArgumentException twice = assertThrows(IllegalArgumentException.class,
                () -> Grammar.builder().rule("S", "a").rule("S", "a"));
        assertEquals("grammar rule is defined twice: S -> a", twice.getMessage());
        IllegalArgumentException weight = assertThrows(IllegalArgumentException.class,
                () -> Grammar.builder().rule("S", 0, "a"));
        assertEquals("grammar rule weight must be positive, but is: 0.0 (rule S -> a)", weight.getMessage());
        IllegalArgumentException lhs = assertThrows(IllegalArgumentException.class,
                () -> Grammar.builder().rule("s", "a"));
        assertEquals("grammar rule left-hand side must be a nonterminal, but is: s", lhs.getMessage());
        IllegalStateException recursive = assertThrows(IllegalStateException.class,
                () -> Grammar.builder().rule("S", "a").rule("S", "a S").build().longestExpansion("S"));
        assertEquals("grammar is recursive at S: no longest expansion", recursive.getMessage());
    }

    @Test
    void recognisesRecursiveRulesToo() {
        Grammar g = Grammar.builder().rule("S", "a").rule("S", "a S").rule("S", "S b").build();
        assertTrue(g.recognises("S", words("a a a b b")));
        assertFalse(g.recognises("S", words("b a")));
    }
}
