package dev.rlhf4j.data.clean;

import dev.rlhf4j.data.record.Label;
import dev.rlhf4j.data.record.PreferenceRecord;
import dev.rlhf4j.data.record.RecordIds;
import dev.rlhf4j.data.record.RecordIds.PairKey;
import dev.rlhf4j.data.record.RecordJson;
import dev.rlhf4j.data.io.RecordWriter;
import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.Closeable;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Two-pass deduplication with bounded memory per record.
 *
 * <p>Pass 1 ({@link #add}) appends each record, with its origin and pair key, to a temporary file
 * and keeps, per distinct pair, only its vote counts, the position of the first record per
 * direction and the labels to merge. Pass 2 ({@link #finish}) streams the temporary file once and
 * writes one record per pair: memory grows with the number of distinct pairs (about 150 bytes
 * each plus their labels), not with the text.
 *
 * <p>Per pair: the first record is kept (in input order), duplicates are counted as exact (same
 * id as an earlier record of the pair) or normalised (differing only in case, whitespace or
 * Unicode composition, or in orientation of a tie). The kept record carries the labels and
 * annotators of all its duplicates (an exact re-import of the same record adds nothing). When
 * duplicates disagree, the {@link ConflictRule} decides.
 */
public final class Deduplicator implements Closeable {

    /** Where dropped records go. */
    @FunctionalInterface
    public interface Rejects {
        void reject(String origin, String reason, String raw);
    }

    /** Counts of one deduplication. */
    public record Result(long written, long exactDuplicates, long normalisedDuplicates, long conflicts,
            long conflictRecordsDropped, List<String> conflictExamples) {

        public long duplicates() {
            return exactDuplicates + normalisedDuplicates;
        }
    }

    private static final int FIRST = 0;
    private static final int SECOND = 1;
    private static final int TIE = 2;

    private static final class Entry {
        final int[] votes = new int[3];
        final long[] firstIndex = {-1, -1, -1};
        long count;
        long seen; // records of this pair met in pass 2
        Set<Long> signatures = new LinkedHashSet<>(2);
        List<Label> labels; // of every distinct record, oriented to the pair's first side
        LinkedHashSet<String> annotators;

        int category(long index) {
            for (int c = 0; c < 3; c++) {
                if (firstIndex[c] == index) {
                    return c;
                }
            }
            return -1;
        }
    }

    private final ConflictRule rule;
    private final Path temp;
    private final OutputStream tempOut;
    private final Map<PairKey, Entry> entries = new HashMap<>();
    private long index;

    public Deduplicator(Path tempDir, ConflictRule rule) {
        this.rule = rule;
        try {
            Files.createDirectories(tempDir);
            this.temp = Files.createTempFile(tempDir, ".rlhf4j-dedupe-", ".tmp");
            this.tempOut = new BufferedOutputStream(Files.newOutputStream(temp), 1 << 16);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create a temporary file in " + tempDir + ": " + e.getMessage(), e);
        }
    }

    /** Pass 1: remembers a record; {@code origin} is its {@code file:line}. */
    public void add(PreferenceRecord r, String origin) {
        PairKey key = RecordIds.pairKey(r.prompt(), r.chosen(), r.rejected());
        PairKey map = key.unoriented();
        Entry e = entries.computeIfAbsent(map, k -> new Entry());
        int category = r.tie() ? TIE : key.chosenFirst() ? FIRST : SECOND;
        long signature = signature(r);
        boolean repeat = !e.signatures.add(signature);
        if (!repeat) {
            e.votes[category]++;
            if (!r.labels().isEmpty() || !r.annotators().isEmpty()) {
                if (e.labels == null) {
                    e.labels = new ArrayList<>(r.labels().size());
                    e.annotators = new LinkedHashSet<>();
                }
                for (Label l : r.labels()) {
                    e.labels.add(key.chosenFirst() ? l : l.flipped());
                }
                e.annotators.addAll(r.annotators());
            }
        }
        if (e.firstIndex[category] < 0) {
            e.firstIndex[category] = index;
        }
        e.count++;
        try {
            String head = map.hi() + " " + map.lo() + " " + (key.chosenFirst() ? '1' : '0') + "\t"
                    + origin.replace('\t', ' ').replace('\n', ' ') + "\t";
            tempOut.write(head.getBytes(StandardCharsets.UTF_8));
            tempOut.write(RecordJson.toJsonBytes(r));
            tempOut.write('\n');
        } catch (IOException ex) {
            throw new UncheckedIOException("cannot write " + temp + ": " + ex.getMessage(), ex);
        }
        index++;
    }

    private static long signature(PreferenceRecord r) {
        long h = r.id().hashCode() * 1_000_003L + r.labels().hashCode();
        return h * 31 + (r.tie() ? 1 : 0);
    }

    /** Pass 2: writes one record per pair to {@code out}; dropped records go to {@code rejects}. */
    public Result finish(RecordWriter out, Rejects rejects) {
        try {
            tempOut.close();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + temp + ": " + e.getMessage(), e);
        }
        long written = 0;
        long exact = 0;
        long normalised = 0;
        long dropped = 0;
        long conflicts = 0;
        for (Entry e : entries.values()) {
            if (conflicting(e)) {
                conflicts++;
            }
        }
        Map<PairKey, List<String>> examples = new LinkedHashMap<>();
        Map<PairKey, Set<String>> seenIds = new HashMap<>();
        long i = 0;
        try (LineReader in = new LineReader(new BufferedInputStream(Files.newInputStream(temp), 1 << 16))) {
            while (in.next()) {
                byte[] b = in.line();
                int len = in.length();
                int tab1 = indexOf(b, len, (byte) '\t', 0);
                int tab2 = indexOf(b, len, (byte) '\t', tab1 + 1);
                String[] k = new String(b, 0, tab1, StandardCharsets.US_ASCII).split(" ");
                PairKey map = new PairKey(Long.parseLong(k[0]), Long.parseLong(k[1]), true);
                Entry e = entries.get(map);
                if (e.count == 1) {
                    out.writeLine(b, tab2 + 1, len - tab2 - 1); // the common case: no duplicate, copy the bytes
                    written++;
                    i++;
                    continue;
                }
                String origin = new String(b, tab1 + 1, tab2 - tab1 - 1, StandardCharsets.UTF_8);
                String json = new String(b, tab2 + 1, len - tab2 - 1, StandardCharsets.UTF_8);
                boolean conflict = conflicting(e);
                if (conflict && (examples.size() < 5 || examples.containsKey(map))) {
                    List<String> ex = examples.computeIfAbsent(map, x -> new ArrayList<>());
                    if (ex.size() < 3) {
                        ex.add(origin);
                    }
                }
                if (conflict && rule == ConflictRule.DROP) {
                    rejects.reject(origin, "conflicting duplicate: the same pair is labelled both ways ("
                            + e.votes[FIRST] + " one way, " + e.votes[SECOND] + " the other, " + e.votes[TIE]
                            + " tie); every record of it dropped (conflicts=drop)", json);
                    dropped++;
                } else {
                    // a pair with duplicates: keep the representative, count the others
                    Set<String> ids = seenIds.computeIfAbsent(map, x -> new LinkedHashSet<>());
                    String id = idOf(json);
                    if (i == representative(e)) {
                        out.writeLine(RecordJson.toJson(merge(json, e, k[2].equals("1"))));
                        written++;
                    } else if (ids.contains(id)) {
                        exact++;
                    } else {
                        normalised++;
                    }
                    ids.add(id);
                    if (++e.seen == e.count) {
                        seenIds.remove(map);
                    }
                }
                i++;
            }
        } catch (IOException ex) {
            throw new UncheckedIOException("cannot read " + temp + ": " + ex.getMessage(), ex);
        } finally {
            close();
        }
        List<String> exampleLines = new ArrayList<>();
        examples.values().forEach(v -> exampleLines.add(String.join(" vs ", v)));
        return new Result(written, exact, normalised, conflicts, dropped, exampleLines);
    }

    private static int indexOf(byte[] b, int len, byte value, int from) {
        for (int j = from; j < len; j++) {
            if (b[j] == value) {
                return j;
            }
        }
        throw new IllegalStateException("corrupt temporary dedupe file: no tab in a line");
    }

    /** Splits a byte stream into lines without decoding them. */
    private static final class LineReader implements Closeable {
        private final java.io.InputStream in;
        private final byte[] buf = new byte[1 << 16];
        private int pos;
        private int limit;
        private byte[] line = new byte[1 << 12];
        private int length;

        LineReader(java.io.InputStream in) {
            this.in = in;
        }

        boolean next() throws IOException {
            length = 0;
            boolean any = false;
            while (true) {
                if (pos == limit) {
                    limit = in.read(buf, 0, buf.length);
                    pos = 0;
                    if (limit <= 0) {
                        limit = 0;
                        return any;
                    }
                }
                any = true;
                int start = pos;
                while (pos < limit && buf[pos] != '\n') {
                    pos++;
                }
                int n = pos - start;
                if (length + n > line.length) {
                    line = java.util.Arrays.copyOf(line, Math.max(line.length * 2, length + n));
                }
                System.arraycopy(buf, start, line, length, n);
                length += n;
                if (pos < limit) {
                    pos++;
                    return true;
                }
            }
        }

        byte[] line() {
            return line;
        }

        int length() {
            return length;
        }

        @Override
        public void close() throws IOException {
            in.close();
        }
    }

    private static String idOf(String json) {
        // records are written by RecordJson: {"id":"<24 hex>",...
        int start = json.indexOf("\"id\":\"") + 6;
        return json.substring(start, json.indexOf('"', start));
    }

    private static boolean conflicting(Entry e) {
        int nonZero = 0;
        for (int v : e.votes) {
            if (v > 0) {
                nonZero++;
            }
        }
        return nonZero > 1;
    }

    /** The index of the record to keep: the first record in the winning direction. */
    private long representative(Entry e) {
        int winner = winner(e);
        if (winner < 0) {
            long first = Long.MAX_VALUE;
            for (long f : e.firstIndex) {
                if (f >= 0) {
                    first = Math.min(first, f);
                }
            }
            return first;
        }
        return e.firstIndex[winner];
    }

    /** The category with most votes, or -1 when the top two are equal (the pair becomes a tie). */
    private static int winner(Entry e) {
        int best = 0;
        for (int c = 1; c < 3; c++) {
            if (e.votes[c] > e.votes[best]) {
                best = c;
            }
        }
        for (int c = 0; c < 3; c++) {
            if (c != best && e.votes[c] == e.votes[best]) {
                return -1;
            }
        }
        return best;
    }

    private PreferenceRecord merge(String json, Entry e, boolean chosenFirst) {
        PreferenceRecord r;
        try {
            r = RecordJson.fromJson(RecordJson.MAPPER.readTree(json));
        } catch (IOException ex) {
            throw new UncheckedIOException(ex);
        }
        PreferenceRecord.Builder b = r.toBuilder();
        List<Label> labels = new ArrayList<>();
        if (e.labels != null) {
            for (Label l : e.labels) {
                labels.add(chosenFirst ? l : l.flipped());
            }
        }
        b.labels(labels);
        b.annotators(e.annotators == null ? List.of() : new ArrayList<>(e.annotators));
        if (conflicting(e)) {
            if (winner(e) < 0) {
                b.tie(true);
            }
            Map<String, Object> votes = new LinkedHashMap<>();
            votes.put("chosen", e.votes[chosenFirst ? FIRST : SECOND]);
            votes.put("rejected", e.votes[chosenFirst ? SECOND : FIRST]);
            votes.put("tie", e.votes[TIE]);
            b.meta("votes", votes);
        }
        return b.build();
    }

    @Override
    public void close() {
        try {
            tempOut.close();
        } catch (IOException e) {
            // already reported by finish
        }
        try {
            Files.deleteIfExists(temp);
        } catch (IOException e) {
            // a leftover temporary file is harmless
        }
    }
}
