package dev.rlhf4j.data.split;

import com.google.common.hash.Hashing;
import dev.rlhf4j.data.PreferenceRecords;
import dev.rlhf4j.data.io.OutputFiles;
import dev.rlhf4j.data.io.RecordWriter;
import dev.rlhf4j.data.record.PreferenceRecord;
import dev.rlhf4j.data.record.RecordIds;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;

/**
 * Splits a canonical file into {@code DIR/train.jsonl}, {@code valid.jsonl} and
 * {@code test.jsonl} (plus one file per other existing split name with keepExisting), in two
 * streaming passes:
 *
 * <ol>
 *   <li>count records per group (group = {@code group_id}, else the normalised prompt);
 *   <li>order the groups by a seeded hash of their key (a shuffle that does not depend on input
 *       order), then fill test up to {@code round(test × N)} records, then valid, the rest train
 *       (N = records without a kept split);
 *   <li>stream the file again and write each record, with its {@code split} set, to its group's
 *       split (temporary files, renamed into place at the end).
 * </ol>
 * An output file that is the input (by path, symbolic or hard link) is refused before anything is
 * read: the input would be truncated before it was read.
 * Memory grows with the number of groups, not records. Ratios are met to within one group.
 */
public final class GroupSplitter {

    public static final String TRAIN = "train";
    public static final String VALID = "valid";
    public static final String TEST = "test";

    private GroupSplitter() {}

    /** A group's key: 128 bits of SHA-256 of {@link #groupOf}. */
    public record GroupKey(long hi, long lo) implements java.io.Serializable {}

    /**
     * The records of one group: how many, and per existing split name how many had it (only with
     * keepExisting, else {@code null}). Mutable while counting; {@link #plus} for merging counts.
     */
    public static final class Group implements java.io.Serializable {
        private static final long serialVersionUID = 1L;
        long records;
        Map<String, Long> existing;
        String split;
        long order;

        /** Records counted. */
        public long records() {
            return records;
        }

        /** Counts one record. */
        public void add(PreferenceRecord r, SplitOptions options) {
            records++;
            if (options.keepExisting() && r.split() != null && !r.split().isBlank()) {
                if (existing == null) {
                    existing = new TreeMap<>();
                }
                existing.merge(r.split(), 1L, Long::sum);
            }
        }

        /** This group's counts plus another part's (of the same group). */
        public Group plus(Group other) {
            Group g = new Group();
            g.records = records + other.records;
            for (Group part : List.of(this, other)) {
                if (part.existing != null) {
                    if (g.existing == null) {
                        g.existing = new TreeMap<>();
                    }
                    part.existing.forEach((k, v) -> g.existing.merge(k, v, Long::sum));
                }
            }
            return g;
        }
    }

    /**
     * Refuses an output directory where a split file would be {@code input} itself.
     *
     * @throws IllegalArgumentException naming the file
     */
    public static void checkOutputs(Path input, Path outDir) {
        for (String name : List.of(TRAIN, VALID, TEST)) {
            OutputFiles.checkNotAnInput("split.output", outDir.resolve(fileName(name)), List.of(input));
        }
    }

    /**
     * Splits {@code input} into {@code outDir}. Each output file is written beside its final name
     * and renamed into place once every record is written; if the split fails, the files already
     * in {@code outDir} stay as they were.
     *
     * @throws IllegalArgumentException if an output file would be the input
     */
    public static SplitSummary run(Path input, Path outDir, SplitOptions options) {
        checkOutputs(input, outDir);
        // 1. count records per group
        Map<GroupKey, Group> groups = new HashMap<>();
        try (Stream<PreferenceRecord> s = PreferenceRecords.read(input)) {
            s.forEach(r -> groups.computeIfAbsent(key(r), k -> new Group()).add(r, options));
        }
        // 2. kept splits first, then a seeded draw of the others
        long splitGroups = assign(groups, options);
        // 3. write
        Map<String, RecordWriter> writers = new LinkedHashMap<>();
        Map<String, Long> records = new LinkedHashMap<>();
        Map<String, Long> groupCounts = new LinkedHashMap<>();
        for (String name : List.of(TRAIN, VALID, TEST)) {
            writers.put(name, new RecordWriter(outDir.resolve(fileName(name))));
            records.put(name, 0L);
            groupCounts.put(name, 0L);
        }
        groups.values().forEach(g -> groupCounts.merge(g.split, 1L, Long::sum));
        try (Stream<PreferenceRecord> s = PreferenceRecords.read(input)) {
            s.forEach(r -> {
                String split = groups.get(key(r)).split;
                RecordWriter w = writers.computeIfAbsent(split, name -> {
                    Path file = outDir.resolve(fileName(name));
                    OutputFiles.checkNotAnInput("split.output", file, List.of(input));
                    return new RecordWriter(file);
                });
                w.write(withSplit(r, split));
                records.merge(split, 1L, Long::sum);
            });
        } catch (RuntimeException e) {
            writers.values().forEach(RecordWriter::abort);
            throw e;
        }
        writers.values().forEach(RecordWriter::close);
        Map<String, Path> files = new LinkedHashMap<>();
        writers.forEach((name, w) -> files.put(name, w.path()));
        return new SplitSummary(records, groupCounts, files, splitGroups);
    }

    /** The record as written to {@code split}. */
    public static PreferenceRecord withSplit(PreferenceRecord r, String split) {
        return r.split() != null && r.split().equals(split) ? r : r.toBuilder().split(split).build();
    }

    /**
     * Chooses every group's split (kept splits first, then a seeded draw of the others; see the
     * class comment), for {@link #run} and for engines that count the groups themselves.
     *
     * @return groups whose records had more than one existing split
     */
    public static long assign(Map<GroupKey, Group> groups, SplitOptions options) {
        long splitGroups = 0;
        List<Group> free = new ArrayList<>();
        long freeRecords = 0;
        for (Map.Entry<GroupKey, Group> e : groups.entrySet()) {
            Group g = e.getValue();
            if (g.existing != null) {
                g.split = g.existing.entrySet().stream()
                        .max(Map.Entry.<String, Long>comparingByValue().thenComparing(Map.Entry.comparingByKey(Comparator.reverseOrder())))
                        .orElseThrow().getKey();
                if (g.existing.size() > 1) {
                    splitGroups++;
                }
            } else {
                g.order = Hashing.murmur3_128((int) options.seed()).newHasher()
                        .putLong(options.seed()).putLong(e.getKey().hi()).putLong(e.getKey().lo())
                        .hash().asLong();
                free.add(g);
                freeRecords += g.records;
            }
        }
        free.sort(Comparator.comparingLong((Group g) -> g.order));
        long testTarget = Math.round(options.test() * freeRecords);
        long validTarget = Math.round(options.valid() * freeRecords);
        long inTest = 0;
        long inValid = 0;
        for (Group g : free) {
            if (inTest < testTarget && inTest + g.records / 2 < testTarget) {
                g.split = TEST;
                inTest += g.records;
            } else if (inValid < validTarget && inValid + g.records / 2 < validTarget) {
                g.split = VALID;
                inValid += g.records;
            } else {
                g.split = TRAIN;
            }
        }
        return splitGroups;
    }

    /** The group of a record: its {@code group_id}, else its normalised prompt. */
    public static String groupOf(PreferenceRecord r) {
        if (r.groupId() != null && !r.groupId().isEmpty()) {
            return "group:" + r.groupId();
        }
        long[] h = RecordIds.hash128(r.prompt());
        return String.format("prompt:%016x%016x", h[0], h[1]);
    }

    /** The split {@link #assign} chose for a group. */
    public static String splitOf(Group g) {
        return g.split;
    }

    /** The file a split is written to in the output directory. */
    public static String fileName(String split) {
        String safe = split.replaceAll("[^A-Za-z0-9._-]", "_");
        return safe + ".jsonl";
    }

    /** The key of a record's group. */
    public static GroupKey key(PreferenceRecord r) {
        byte[] d = Hashing.sha256().hashString(groupOf(r), StandardCharsets.UTF_8).asBytes();
        return new GroupKey(java.nio.ByteBuffer.wrap(d, 0, 8).getLong(), java.nio.ByteBuffer.wrap(d, 8, 8).getLong());
    }

}
