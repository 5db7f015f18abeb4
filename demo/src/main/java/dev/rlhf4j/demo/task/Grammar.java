package dev.rlhf4j.demo.task;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.ToDoubleFunction;

/**
 * A weighted context-free grammar over words, with the two operations the demo task needs on the
 * same rules: random expansion (generation) and an Earley recogniser (membership).
 *
 * <p>Symbols are strings: a symbol whose first character is an upper-case ASCII letter is a
 * nonterminal ({@code SENTENCE_MOVIE}); every other symbol is a terminal word ({@code "the"},
 * {@code "."}). Rules have a non-empty right-hand side (no epsilon rules, which keeps the Earley
 * recogniser free of the nullable-completion special case) and a positive weight used only by
 * generation.
 */
final class Grammar {

    /** One production {@code lhs -> rhs}, its generation weight and its index in the grammar. */
    record Rule(int id, String lhs, List<String> rhs, double weight) {
        Rule {
            rhs = List.copyOf(rhs);
        }
    }

    private final List<Rule> rules;
    private final Map<String, List<Rule>> rulesByLhs;
    private final Set<String> terminals;

    private Grammar(List<Rule> rules) {
        this.rules = List.copyOf(rules);
        Map<String, List<Rule>> byLhs = new LinkedHashMap<>();
        for (Rule rule : rules) {
            byLhs.computeIfAbsent(rule.lhs(), k -> new ArrayList<>()).add(rule);
        }
        byLhs.replaceAll((k, v) -> List.copyOf(v));
        this.rulesByLhs = byLhs;
        Set<String> words = new TreeSet<>();
        for (Rule rule : rules) {
            for (String symbol : rule.rhs()) {
                if (isNonterminal(symbol)) {
                    if (!byLhs.containsKey(symbol)) {
                        throw new IllegalArgumentException(
                                "grammar symbol " + symbol + " is used in a rule of " + rule.lhs()
                                        + " but has no rules of its own");
                    }
                } else {
                    words.add(symbol);
                }
            }
        }
        this.terminals = Collections.unmodifiableSet(words);
    }

    static Builder builder() {
        return new Builder();
    }

    static boolean isNonterminal(String symbol) {
        char first = symbol.charAt(0);
        return first >= 'A' && first <= 'Z';
    }

    /** Every terminal word of the grammar, sorted. */
    Set<String> terminals() {
        return terminals;
    }

    /** The terminal words reachable from {@code start}, sorted. */
    Set<String> terminalsFrom(String start) {
        Set<String> words = new TreeSet<>();
        Set<String> seen = new HashSet<>();
        List<String> todo = new ArrayList<>(List.of(start));
        while (!todo.isEmpty()) {
            String symbol = todo.remove(todo.size() - 1);
            if (!seen.add(symbol)) {
                continue;
            }
            for (Rule rule : rules(symbol)) {
                for (String s : rule.rhs()) {
                    if (isNonterminal(s)) {
                        todo.add(s);
                    } else {
                        words.add(s);
                    }
                }
            }
        }
        return words;
    }

    /**
     * The number of words in the longest expansion of {@code symbol}. The grammar must not be
     * recursive below {@code symbol}.
     */
    int longestExpansion(String symbol) {
        return longestExpansion(symbol, new HashSet<>());
    }

    private int longestExpansion(String symbol, Set<String> open) {
        if (!isNonterminal(symbol)) {
            return 1;
        }
        if (!open.add(symbol)) {
            throw new IllegalStateException("grammar is recursive at " + symbol + ": no longest expansion");
        }
        int longest = 0;
        for (Rule rule : rules(symbol)) {
            int length = 0;
            for (String s : rule.rhs()) {
                length += longestExpansion(s, open);
            }
            longest = Math.max(longest, length);
        }
        open.remove(symbol);
        return longest;
    }

    List<Rule> rules(String nonterminal) {
        List<Rule> found = rulesByLhs.get(nonterminal);
        if (found == null) {
            throw new IllegalArgumentException("grammar has no nonterminal named " + nonterminal);
        }
        return found;
    }

    /**
     * Expands {@code symbol} left to right into {@code out}. At each nonterminal one rule is drawn
     * with probability proportional to {@code weightOf(rule)}, which callers use to bias the draw
     * (the rule's own weight times a sentiment factor, for example).
     */
    void expand(String symbol, ToDoubleFunction<Rule> weightOf, Random random, List<String> out) {
        if (!isNonterminal(symbol)) {
            out.add(symbol);
            return;
        }
        List<Rule> choices = rules(symbol);
        double[] cumulative = new double[choices.size()];
        double total = 0;
        for (int i = 0; i < choices.size(); i++) {
            total += weightOf.applyAsDouble(choices.get(i));
            cumulative[i] = total;
        }
        double u = random.nextDouble() * total;
        int pick = 0;
        while (pick < cumulative.length - 1 && u >= cumulative[pick]) {
            pick++;
        }
        for (String s : choices.get(pick).rhs()) {
            expand(s, weightOf, random, out);
        }
    }

    /** One Earley item: rule {@code ruleId} with the dot before {@code rhs[dot]}, started at {@code origin}. */
    private record Item(int ruleId, int dot, int origin) {}

    /**
     * Earley recogniser: whether {@code words} is derivable from {@code start}. Columns hold
     * items in insertion order; predict, scan and complete run until a column stops growing.
     * Without epsilon rules an item completed in column i started before i, so completion only
     * reads earlier columns.
     */
    boolean recognises(String start, List<String> words) {
        int n = words.size();
        List<List<Item>> chart = new ArrayList<>(n + 1);
        List<Set<Item>> seen = new ArrayList<>(n + 1);
        for (int i = 0; i <= n; i++) {
            chart.add(new ArrayList<>());
            seen.add(new HashSet<>());
        }
        for (Rule rule : rules(start)) {
            add(chart, seen, 0, new Item(rule.id(), 0, 0));
        }
        for (int i = 0; i <= n; i++) {
            List<Item> column = chart.get(i);
            if (column.isEmpty()) {
                return false;
            }
            for (int k = 0; k < column.size(); k++) {
                Item item = column.get(k);
                Rule rule = rules.get(item.ruleId());
                if (item.dot() == rule.rhs().size()) { // complete
                    for (Item waiting : chart.get(item.origin())) {
                        Rule w = rules.get(waiting.ruleId());
                        if (waiting.dot() < w.rhs().size() && w.rhs().get(waiting.dot()).equals(rule.lhs())) {
                            add(chart, seen, i, new Item(waiting.ruleId(), waiting.dot() + 1, waiting.origin()));
                        }
                    }
                    continue;
                }
                String next = rule.rhs().get(item.dot());
                if (isNonterminal(next)) { // predict
                    for (Rule r : rulesByLhs.get(next)) {
                        add(chart, seen, i, new Item(r.id(), 0, i));
                    }
                } else if (i < n && next.equals(words.get(i))) { // scan
                    add(chart, seen, i + 1, new Item(item.ruleId(), item.dot() + 1, item.origin()));
                }
            }
        }
        for (Item item : chart.get(n)) {
            Rule rule = rules.get(item.ruleId());
            if (item.origin() == 0 && item.dot() == rule.rhs().size() && rule.lhs().equals(start)) {
                return true;
            }
        }
        return false;
    }

    private static void add(List<List<Item>> chart, List<Set<Item>> seen, int column, Item item) {
        if (seen.get(column).add(item)) {
            chart.get(column).add(item);
        }
    }

    /** Collects rules in order; the order fixes generation given a seed. */
    static final class Builder {
        private final List<Rule> rules = new ArrayList<>();
        private final Set<String> keys = new HashSet<>();

        /** Adds {@code lhs -> rhs} with weight 1; {@code rhs} is space-separated symbols. */
        Builder rule(String lhs, String rhs) {
            return rule(lhs, 1.0, rhs);
        }

        /** Adds {@code lhs -> rhs} with the given generation weight. */
        Builder rule(String lhs, double weight, String rhs) {
            if (lhs.isEmpty() || !isNonterminal(lhs)) {
                throw new IllegalArgumentException("grammar rule left-hand side must be a nonterminal, but is: " + lhs);
            }
            if (!(weight > 0)) {
                throw new IllegalArgumentException("grammar rule weight must be positive, but is: " + weight
                        + " (rule " + lhs + " -> " + rhs + ")");
            }
            if (rhs.isBlank()) {
                throw new IllegalArgumentException("grammar rule " + lhs + " has an empty right-hand side");
            }
            List<String> symbols = Arrays.asList(rhs.trim().split("\\s+"));
            if (!keys.add(lhs + " -> " + String.join(" ", symbols))) {
                throw new IllegalArgumentException("grammar rule is defined twice: " + lhs + " -> " + rhs);
            }
            rules.add(new Rule(rules.size(), lhs, symbols, weight));
            return this;
        }

        Grammar build() {
            return new Grammar(rules);
        }
    }
}
