package dev.rlhf4j.sft;

import dev.rlhf4j.core.util.Checks;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Groups examples into rows of at most {@code maxLength} tokens.
 *
 * <p>{@link #pack} is best-fit decreasing (TRL's default {@code bfd} packing): examples longest
 * first, each into the open row with the least room that still fits it, else into a new row. It
 * is deterministic (ties by file order) and leaves little padding. Examples are never split: in a
 * row each keeps its own positions (from 0) and sees only itself ({@link SftBatch}).
 */
public final class Packing {

    private Packing() {}

    /** One example per row, in order. */
    public static List<List<SftExample>> unpacked(List<SftExample> examples) {
        List<List<SftExample>> rows = new ArrayList<>(examples.size());
        for (SftExample e : examples) {
            rows.add(List.of(e));
        }
        return rows;
    }

    /**
     * Best-fit-decreasing rows; within a row, examples in the order they were placed (longest
     * first). Rows are ordered by when they were opened.
     *
     * @param examples each at most {@code maxLength} tokens
     */
    public static List<List<SftExample>> pack(List<SftExample> examples, int maxLength) {
        Checks.positive("max_length", maxLength);
        List<Integer> order = new ArrayList<>();
        for (int i = 0; i < examples.size(); i++) {
            Checks.check(examples.get(i).length() <= maxLength, "%s: %s tokens do not fit max_length %s",
                    examples.get(i).where(), examples.get(i).length(), maxLength);
            order.add(i);
        }
        order.sort(Comparator.comparingInt((Integer i) -> examples.get(i).length()).reversed()
                .thenComparingInt(i -> i));
        List<List<SftExample>> rows = new ArrayList<>();
        TreeMap<Integer, Deque<Integer>> rowsByRoom = new TreeMap<>(); // room left -> rows, oldest first
        for (int i : order) {
            SftExample e = examples.get(i);
            Map.Entry<Integer, Deque<Integer>> best = rowsByRoom.ceilingEntry(e.length());
            int row;
            int room;
            if (best == null) {
                row = rows.size();
                rows.add(new ArrayList<>());
                room = maxLength;
            } else {
                room = best.getKey();
                row = best.getValue().pollFirst();
                if (best.getValue().isEmpty()) {
                    rowsByRoom.remove(room);
                }
            }
            rows.get(row).add(e);
            rowsByRoom.computeIfAbsent(room - e.length(), k -> new ArrayDeque<>()).addLast(row);
        }
        List<List<SftExample>> out = new ArrayList<>(rows.size());
        rows.forEach(r -> out.add(List.copyOf(r)));
        return out;
    }
}
