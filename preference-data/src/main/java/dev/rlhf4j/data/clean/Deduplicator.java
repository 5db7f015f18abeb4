package dev.rlhf4j.data.clean;

import com.google.common.hash.Hashing;
import dev.rlhf4j.data.io.RecordWriter;
import dev.rlhf4j.data.record.Label;
import dev.rlhf4j.data.record.Preference;
import dev.rlhf4j.data.record.PreferenceRecord;
import dev.rlhf4j.data.record.RecordIds;
import dev.rlhf4j.data.record.RecordIds.PairKey;
import dev.rlhf4j.data.record.RecordJson;
import dev.rlhf4j.data.record.Votes;
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
 * <p>Per pair, every distinct record adds its {@link Votes} (a flipped record votes for the other
 * side). A record is distinct by its <em>source position</em> when it is anonymous (no annotator
 * ids: TRL triples, HH-RLHF, ... where the same comparison judged 23 times is 23 lines and 23
 * votes), and by its content and labels when annotators are named (an export re-imported a week
 * later, holding the same annotations, adds nothing). A record met again at the same position
 * (the same file imported twice) is an exact duplicate and votes once.
 *
 * <p>The pair's direction is the side with more votes (tie votes count half each way and so never
 * decide); an even split becomes a tie record. The record kept is the first one (in input order)
 * in that direction, or the first of the pair turned round when none points that way. It carries
 * the labels of every distinct record, anonymous votes as labels without annotator, and, when the
 * pair has more than one vote, {@code meta.votes} = {@code {chosen, rejected, tie}}. Duplicates
 * are counted as exact (same id as an earlier record of the pair) or normalised (differing only
 * in case, whitespace or Unicode composition, or in orientation). With {@link ConflictRule#DROP}
 * a pair judged both ways is rejected whole instead.
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
        final int[] votes = new int[3]; // for the first side, for the second, tie
        final int[] bareVotes = new int[3]; // the part of votes from records without labels
        final long[] firstIndex = {-1, -1, -1};
        long count;
        long seen; // records of this pair met in pass 2
        Set<Long> signatures = new LinkedHashSet<>(2);
        List<Label> labels; // of every distinct record, oriented to the pair's first side
        LinkedHashSet<String> annotators;

        /** Counts one record of the pair, the {@code index}-th in input order (see {@link #add}). */
        void accept(PreferenceRecord r, PairKey key, String position, long index) {
            int category = r.tie() ? TIE : key.chosenFirst() ? FIRST : SECOND;
            boolean repeat = !signatures.add(signature(r, position));
            if (!repeat) {
                Votes v = Votes.of(r);
                if (!key.chosenFirst()) {
                    v = v.flipped();
                }
                int[] target = r.labels().isEmpty() ? bareVotes : null;
                Deduplicator.add(votes, v);
                if (target != null) {
                    Deduplicator.add(target, v);
                }
                if (!r.labels().isEmpty() || !r.annotators().isEmpty()) {
                    if (labels == null) {
                        labels = new ArrayList<>(r.labels().size());
                        annotators = new LinkedHashSet<>();
                    }
                    for (Label l : r.labels()) {
                        labels.add(key.chosenFirst() ? l : l.flipped());
                    }
                    annotators.addAll(r.annotators());
                }
            }
            if (firstIndex[category] < 0) {
                firstIndex[category] = index;
            }
            count++;
        }

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

    /** Pass 1: remembers a record; {@code origin} is its {@code file:line}, also its source position. */
    public void add(PreferenceRecord r, String origin) {
        add(r, origin, origin);
    }

    /**
     * Pass 1: remembers a record.
     *
     * @param origin {@code file:line}, for messages
     * @param position where the record was read (file, record and pair within the record): an
     *     anonymous record met twice at one position votes once
     */
    public void add(PreferenceRecord r, String origin, String position) {
        PairKey key = RecordIds.pairKey(r.prompt(), r.chosen(), r.rejected());
        PairKey map = key.unoriented();
        Entry e = entries.computeIfAbsent(map, k -> new Entry());
        e.accept(r, key, position, index);
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

    private static void add(int[] votes, Votes v) {
        votes[FIRST] += v.chosen();
        votes[SECOND] += v.rejected();
        votes[TIE] += v.tie();
    }

    /**
     * Named judgements are identified by content and labels, anonymous ones by where they were read;
     * 64 bits of MurmurHash3, so two different votes of one pair practically never collide (a
     * 32-bit String hash would merge one in ~10^4 for a pair judged a thousand times).
     */
    private static long signature(PreferenceRecord r, String position) {
        boolean named = !r.annotators().isEmpty() || r.labels().stream().anyMatch(l -> l.annotator() != null);
        String identity = named ? r.id() + "\u0000" + r.labels() + "\u0000" + r.tie() : position + "\u0000" + r.id();
        return Hashing.murmur3_128().hashString(identity, StandardCharsets.UTF_8).asLong();
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
                Fate fate = conflict && rule == ConflictRule.DROP ? Fate.DROPPED
                        : fate(e, i, json, seenIds.computeIfAbsent(map, x -> new LinkedHashSet<>()));
                switch (fate) {
                    case DROPPED -> {
                        rejects.reject(origin, dropReason(e), json);
                        dropped++;
                    }
                    case KEPT -> {
                        out.writeLine(RecordJson.toJson(merge(json, e, k[2].equals("1"))));
                        written++;
                    }
                    case EXACT -> exact++;
                    case NORMALISED -> normalised++;
                }
                if (fate != Fate.DROPPED && ++e.seen == e.count) {
                    seenIds.remove(map);
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

    /** What becomes of one record of a pair with duplicates. */
    private enum Fate { KEPT, EXACT, NORMALISED, DROPPED }

    /**
     * The fate of the record at {@code index} (in input order) of a pair with duplicates that is
     * not dropped: kept as the pair's representative, or counted as a duplicate, exact when an
     * earlier record of the pair had its id ({@code ids}, updated here).
     */
    private static Fate fate(Entry e, long index, String json, Set<String> ids) {
        String id = idOf(json);
        Fate f = index == representative(e) ? Fate.KEPT : ids.contains(id) ? Fate.EXACT : Fate.NORMALISED;
        ids.add(id);
        return f;
    }

    private static String dropReason(Entry e) {
        return "conflicting duplicate: the same pair is labelled both ways (" + e.votes[FIRST] + " one way, "
                + e.votes[SECOND] + " the other, " + e.votes[TIE] + " tie); every record of it dropped (conflicts=drop)";
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

    /** The index of the record to keep: the first record in the winning direction, else the first of the pair. */
    private static long representative(Entry e) {
        int winner = winner(e);
        if (winner >= 0 && e.firstIndex[winner] >= 0) {
            return e.firstIndex[winner];
        }
        long first = Long.MAX_VALUE;
        for (long f : e.firstIndex) {
            if (f >= 0) {
                first = Math.min(first, f);
            }
        }
        return first;
    }

    /** FIRST or SECOND, whichever side has more votes, or -1 for an even split (the pair is a tie). */
    private static int winner(Entry e) {
        int diff = Integer.compare(e.votes[FIRST], e.votes[SECOND]);
        return diff > 0 ? FIRST : diff < 0 ? SECOND : -1;
    }

    private static PreferenceRecord merge(String json, Entry e, boolean chosenFirst) {
        PreferenceRecord r;
        try {
            r = RecordJson.fromJson(RecordJson.MAPPER.readTree(json));
        } catch (IOException ex) {
            throw new UncheckedIOException(ex);
        }
        int winner = winner(e);
        boolean turn = winner >= 0 && (winner == FIRST) != chosenFirst;
        boolean first = chosenFirst != turn; // the output's chosen side is the pair's first side
        PreferenceRecord.Builder b = (turn ? r.flipped() : r).toBuilder();
        if (turn) {
            b.margin(null); // a margin belongs to the direction it was given for
        }
        b.tie(winner < 0);
        List<Label> labels = new ArrayList<>();
        if (e.labels != null) {
            for (Label l : e.labels) {
                labels.add(first ? l : l.flipped());
            }
        }
        Votes bare = new Votes(e.bareVotes[FIRST], e.bareVotes[SECOND], e.bareVotes[TIE]);
        Votes votes = new Votes(e.votes[FIRST], e.votes[SECOND], e.votes[TIE]);
        if (!first) {
            bare = bare.flipped();
            votes = votes.flipped();
        }
        if (votes.total() > 1) {
            // anonymous votes become labels without annotator, so agreement counts them
            addBare(labels, Preference.CHOSEN, bare.chosen());
            addBare(labels, Preference.REJECTED, bare.rejected());
            addBare(labels, Preference.TIE, bare.tie());
            b.meta(Votes.META_KEY, votes.toMeta());
        }
        b.labels(labels);
        b.annotators(e.annotators == null ? List.of() : new ArrayList<>(e.annotators));
        return b.build();
    }

    private static void addBare(List<Label> labels, Preference preference, int n) {
        for (int i = 0; i < n; i++) {
            labels.add(Label.of(null, preference));
        }
    }

    /**
     * One record of a pair, as {@link #add(PreferenceRecord, String, String)} takes it, for {@link
     * #mergeGroup}.
     *
     * @param json the record as {@link RecordJson#toJsonBytes} writes it (decoded from UTF-8): the line
     *     a pair without duplicates gets, as {@link #finish} copies it
     */
    public record Item(String json, String origin, String position) {}

    /**
     * What {@link #finish} makes of one pair.
     *
     * @param kept the line written for the pair, or {@code null} when it was dropped
     * @param keptAt the index in the pair's records of the one kept (its place in the output), or -1
     * @param conflict whether the pair is labelled both ways
     * @param conflictOrigins up to 3 origins of its records when it is a conflicting pair with duplicates
     * @param dropped the indices of the records dropped (conflicts=drop), with {@code dropReason}
     */
    public record GroupResult(String kept, int keptAt, long exactDuplicates, long normalisedDuplicates,
            boolean conflict, List<String> conflictOrigins, List<Integer> dropped, String dropReason) {}

    /**
     * Deduplicates one pair's records, given in input order, exactly as {@link #add} and {@link
     * #finish} would: for an engine that groups the records by pair itself (a distributed
     * {@code groupBy} on {@link RecordIds#pairKey}). The output is ordered by the input position
     * of each pair's kept record.
     */
    public static GroupResult mergeGroup(List<Item> items, ConflictRule rule) {
        Entry e = new Entry();
        boolean[] chosenFirst = new boolean[items.size()];
        for (int i = 0; i < items.size(); i++) {
            Item it = items.get(i);
            PreferenceRecord r;
            try {
                r = RecordJson.fromJson(RecordJson.MAPPER.readTree(it.json()));
            } catch (IOException ex) {
                throw new UncheckedIOException(ex);
            }
            PairKey key = RecordIds.pairKey(r.prompt(), r.chosen(), r.rejected());
            chosenFirst[i] = key.chosenFirst();
            e.accept(r, key, it.position(), i);
        }
        boolean conflict = conflicting(e);
        if (items.size() == 1) {
            return new GroupResult(items.get(0).json(), 0, 0, 0, conflict, List.of(), List.of(), null);
        }
        List<String> origins = new ArrayList<>();
        if (conflict) {
            for (int i = 0; i < items.size() && origins.size() < 3; i++) {
                origins.add(items.get(i).origin().replace('\t', ' ').replace('\n', ' ')); // as finish reads them back
            }
        }
        if (conflict && rule == ConflictRule.DROP) {
            List<Integer> all = new ArrayList<>();
            for (int i = 0; i < items.size(); i++) {
                all.add(i);
            }
            return new GroupResult(null, -1, 0, 0, true, origins, all, dropReason(e));
        }
        Set<String> ids = new LinkedHashSet<>();
        String kept = null;
        int keptAt = -1;
        long exact = 0;
        long normalised = 0;
        for (int i = 0; i < items.size(); i++) {
            String json = items.get(i).json();
            switch (fate(e, i, json, ids)) {
                case KEPT -> {
                    kept = RecordJson.toJson(merge(json, e, chosenFirst[i]));
                    keptAt = i;
                }
                case EXACT -> exact++;
                case NORMALISED -> normalised++;
                case DROPPED -> throw new AssertionError();
            }
        }
        return new GroupResult(kept, keptAt, exact, normalised, conflict, origins, List.of(), null);
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
