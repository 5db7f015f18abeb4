package dev.rlhf4j.spark;

import dev.rlhf4j.data.ImportException;
import dev.rlhf4j.data.ImportSummary;
import dev.rlhf4j.data.PreferenceImport;
import dev.rlhf4j.data.clean.Deduplicator;
import dev.rlhf4j.data.io.OutputFiles;
import dev.rlhf4j.data.record.PreferenceRecord;
import dev.rlhf4j.data.record.RecordIds;
import dev.rlhf4j.data.record.RecordJson;
import dev.rlhf4j.data.split.GroupSplitter;
import dev.rlhf4j.data.split.GroupSplitter.GroupKey;
import dev.rlhf4j.data.split.SplitOptions;
import dev.rlhf4j.data.split.SplitSummary;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.Serializable;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.apache.spark.api.java.JavaPairRDD;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.storage.StorageLevel;
import scala.Tuple2;

/**
 * {@code rlhf4j data import} as a Spark job, with the same records, ids and accounting:
 *
 * <ol>
 *   <li>read: one task per input file runs the single-machine importer on it ({@link
 *       PreferenceImport#collect}), emitting its accepted records with their pair key, origin and
 *       source position, its rejects, and its counts;
 *   <li>with dedupe, group the records by unoriented pair key and run the single-machine merge on
 *       each pair's records in input order ({@link Deduplicator#mergeGroup});
 *   <li>sort the kept records by the input position of each pair's kept record (the order the
 *       single-machine output has) and write them as text parts; the rejects file and the summary
 *       are written by the driver.
 * </ol>
 *
 * <p>Differences from one machine: a file that cannot be read on (or a rejected record with
 * {@code strict}) fails the job and nothing is written, where one machine writes what it read
 * before; a file is one task, so one huge file is not read in parallel (split it).
 */
public final class ImportJob {

    private ImportJob() {}

    /** A test's failure of the task of one input file (local mode: the test's JVM); {@code null} outside tests. */
    static volatile TaskFault fault;

    /** One pair after the merge: what it adds to the output, the counts and the rejects. */
    private record Merged(long keptOrder, String kept, long exact, long normalised, boolean conflict,
            long firstOrder, List<String> conflictOrigins, List<Tuple2<Long, String>> dropped, String dropReason)
            implements Serializable {}

    /**
     * Runs the import.
     *
     * @return the summary, as {@code rlhf4j data import} reports it
     * @throws ImportException when a file cannot be read on, or with {@code strict} at a rejected record
     * @throws IllegalArgumentException when the output directory exists or is an input
     */
    public static ImportSummary run(JavaSparkContext sc, ImportSettings s) {
        return run(sc, s, null, null).summary();
    }

    /**
     * The import's summary, and the split's when one was asked for.
     *
     * @param split the split of the output, as {@code rlhf4j data split} makes it, or {@code null}
     */
    public record Result(ImportSummary summary, SplitSummary split) {}

    /**
     * Runs the import, then (with {@code splitOptions}) splits its output by group as {@code
     * rlhf4j data split OUTPUT --out SPLIT_DIR} does: {@code splitDir/train}, {@code valid} and
     * {@code test} directories of parts, each the concatenation of the single-machine split file.
     */
    public static Result run(JavaSparkContext sc, ImportSettings s, SplitOptions splitOptions, Path splitDir) {
        long start = System.nanoTime();
        Path outDir = Path.of(s.output());
        Path rejectsPath = Path.of(s.rejects());
        List<Path> inputPaths = s.inputs().stream().map(Path::of).toList();
        OutputFiles.checkNotAnInput("import.output", outDir, inputPaths);
        OutputFiles.checkNotAnInput("import.rejects", rejectsPath, inputPaths);
        for (Path dir : splitOptions == null ? List.of(outDir) : List.of(outDir, splitDir)) {
            if (Files.exists(dir)) {
                throw new IllegalArgumentException((dir == outDir ? "import.output " : "split.output ") + dir
                        + " exists: Spark writes a new directory of parts; remove it or name another");
            }
        }
        int n = s.inputs().size();
        TaskFault injected = fault;
        JavaRDD<ImportRow> rows = sc.parallelize(IntStream.range(0, n).boxed().toList(), n)
                .flatMap(i -> readFile(i, s, injected))
                .persist(StorageLevel.MEMORY_AND_DISK());
        try {
            List<ImportRow.FileCounts> files = rows.filter(r -> r.kind() == ImportRow.Kind.COUNTS)
                    .map(ImportRow::counts).collect().stream()
                    .sorted(Comparator.comparingInt(ImportRow.FileCounts::file)).toList();
            JavaRDD<ImportRow> records = rows.filter(r -> r.kind() == ImportRow.Kind.RECORD);
            JavaPairRDD<Long, String> out;
            long[] totals = new long[4]; // exact, normalised, conflicts, dropped
            List<String> examples = new ArrayList<>();
            JavaRDD<Tuple2<Long, String>> droppedRejects = null;
            String dropReason = null;
            JavaRDD<Merged> merged = null;
            if (s.dedupe()) {
                merged = records.mapToPair(r -> new Tuple2<>(new Tuple2<>(r.pairHi(), r.pairLo()), r))
                        .groupByKey(s.partitions())
                        .map(g -> merge(g._2(), s))
                        .persist(StorageLevel.MEMORY_AND_DISK());
                long[] t = merged.map(m -> new long[] {m.exact(), m.normalised(), m.conflict() ? 1 : 0,
                        m.dropped().size()}).fold(new long[4], ImportJob::sum);
                System.arraycopy(t, 0, totals, 0, 4);
                // the single-machine report names the first 5 conflicting pairs met in input order
                merged.filter(m -> !m.conflictOrigins().isEmpty())
                        .map(m -> new Tuple2<>(m.firstOrder(), String.join(" vs ", m.conflictOrigins())))
                        .takeOrdered(5, new ByOrder())
                        .forEach(x -> examples.add(x._2()));
                if (totals[3] > 0) {
                    droppedRejects = merged.flatMap(m -> m.dropped().iterator());
                    dropReason = merged.filter(m -> m.dropReason() != null).map(Merged::dropReason).first();
                }
                out = merged.filter(m -> m.kept() != null).mapToPair(m -> new Tuple2<>(m.keptOrder(), m.kept()));
            } else {
                out = records.mapToPair(r -> new Tuple2<>(r.order(), r.json()));
            }
            // 3. the output in input order, then the rejects and the summary
            long written = out.count();
            JavaPairRDD<Long, String> sorted = out.sortByKey(true, s.partitions())
                    .persist(StorageLevel.MEMORY_AND_DISK());
            sorted.values().saveAsTextFile(outDir.toString());
            SplitSummary split = splitOptions == null ? null : split(sc, sorted, splitOptions, splitDir);
            sorted.unpersist(false);
            JavaRDD<Tuple2<Long, String>> importRejects = rows.filter(r -> r.kind() == ImportRow.Kind.REJECT)
                    .map(r -> new Tuple2<>(r.order(), r.json()));
            long rejected = writeRejects(rejectsPath, importRejects, droppedRejects, s.partitions());
            Map<String, Long> reasons = new HashMap<>();
            long read = 0;
            long inputRecords = 0;
            long bytes = 0;
            long importRejected = 0;
            List<ImportSummary.FileSummary> summaries = new ArrayList<>();
            for (ImportRow.FileCounts f : files) {
                read += f.read();
                inputRecords += f.inputRecords();
                bytes += f.bytes();
                importRejected += f.rejected();
                f.reasons().forEach((k, v) -> reasons.merge(k, v, Long::sum));
                summaries.add(new ImportSummary.FileSummary(f.name(), f.format(), f.detected(), f.container(),
                        f.gzip(), f.inputRecords(), f.read(), f.fileRejected()));
            }
            if (totals[3] > 0) {
                reasons.merge(PreferenceImport.kind(dropReason), totals[3], Long::sum);
            }
            if (rejected != importRejected + totals[3]) {
                throw new IllegalStateException("rejects written (" + rejected + ") differ from rejects counted ("
                        + (importRejected + totals[3]) + ")");
            }
            if (merged != null) {
                merged.unpersist(false);
            }
            double seconds = (System.nanoTime() - start) / 1e9;
            return new Result(new ImportSummary(read, inputRecords, written, rejected, totals[0], totals[1], totals[2],
                    examples, summaries, reasons, outDir, rejected > 0 ? rejectsPath : null, bytes, seconds), split);
        } finally {
            rows.unpersist(false);
        }
    }

    /**
     * The group split of the output: groups counted by a shuffle, their splits chosen on the driver
     * by the single-machine {@link GroupSplitter#assign} (memory grows with groups, as there), each
     * record written, in output order, to its group's split.
     */
    private static SplitSummary split(JavaSparkContext sc, JavaPairRDD<Long, String> sorted, SplitOptions o,
            Path dir) {
        boolean keep = o.keepExisting();
        Map<GroupSplitter.GroupKey, GroupSplitter.Group> groups = new HashMap<>(sorted.values().mapToPair(json -> {
            PreferenceRecord r = parse(json);
            GroupSplitter.Group g = new GroupSplitter.Group();
            g.add(r, new SplitOptions(0, 0, 0, keep));
            return new Tuple2<>(GroupSplitter.key(r), g);
        }).reduceByKey(GroupSplitter.Group::plus).collectAsMap());
        long splitGroups = GroupSplitter.assign(groups, o);
        Map<GroupSplitter.GroupKey, String> assignment = new HashMap<>();
        Map<String, Long> groupCounts = new LinkedHashMap<>();
        Map<String, Long> records = new LinkedHashMap<>();
        for (String name : List.of(GroupSplitter.TRAIN, GroupSplitter.VALID, GroupSplitter.TEST)) {
            groupCounts.put(name, 0L);
            records.put(name, 0L);
        }
        groups.forEach((k, g) -> {
            String name = GroupSplitter.splitOf(g);
            assignment.put(k, name);
            groupCounts.merge(name, 1L, Long::sum);
            records.merge(name, g.records(), Long::sum);
        });
        Broadcast<Map<GroupKey, String>> splits = sc.broadcast(assignment);
        JavaRDD<Tuple2<String, String>> assigned = sorted.values().map(json -> {
            PreferenceRecord r = parse(json);
            String name = splits.value().get(GroupSplitter.key(r));
            return new Tuple2<>(name, line(GroupSplitter.withSplit(r, name)));
        }).persist(StorageLevel.MEMORY_AND_DISK());
        Map<String, Path> files = new LinkedHashMap<>();
        for (String name : records.keySet()) {
            Path target = dir.resolve(GroupSplitter.fileName(name).replaceAll("\\.jsonl$", ""));
            assigned.filter(t -> t._1().equals(name)).map(Tuple2::_2).saveAsTextFile(target.toString());
            files.put(name, target);
        }
        assigned.unpersist(false);
        splits.destroy();
        return new SplitSummary(records, groupCounts, files, splitGroups);
    }

    /**
     * A record as {@link dev.rlhf4j.data.io.RecordWriter#write} writes it: Jackson's byte output,
     * which escapes characters outside the Basic Multilingual Plane where its String output does not.
     */
    private static String line(PreferenceRecord r) {
        return new String(RecordJson.toJsonBytes(r), StandardCharsets.UTF_8);
    }

    private static PreferenceRecord parse(String json) {
        try {
            return RecordJson.fromJson(RecordJson.MAPPER.readTree(json));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Orders (position, text) pairs by position; serialisable for takeOrdered. */
    private static final class ByOrder implements Comparator<Tuple2<Long, String>>, Serializable {
        private static final long serialVersionUID = 1L;

        @Override
        public int compare(Tuple2<Long, String> a, Tuple2<Long, String> b) {
            return Long.compare(a._1(), b._1());
        }
    }

    private static long[] sum(long[] a, long[] b) {
        long[] c = new long[a.length];
        for (int i = 0; i < a.length; i++) {
            c[i] = a[i] + b[i];
        }
        return c;
    }

    /** The read task: the single-machine import of one file, its records handed over instead of written. */
    private static Iterator<ImportRow> readFile(int index, ImportSettings s, TaskFault fault) throws IOException {
        String input = s.inputs().get(index);
        Path scratch = Files.createTempDirectory("rlhf4j-spark-import-");
        List<ImportRow> out = new ArrayList<>();
        try {
            long[] place = {0};
            ImportSummary summary;
            summary = PreferenceImport.collect(s.forFile(input, scratch), (r, origin, position) -> {
                RecordIds.PairKey key = RecordIds.pairKey(r.prompt(), r.chosen(), r.rejected()).unoriented();
                out.add(ImportRow.record(ImportRow.order(index, place[0]++), key.hi(), key.lo(), line(r), origin,
                        position));
            });
            Path rejects = scratch.resolve("rejects.txt");
            if (Files.exists(rejects)) {
                // two lines per reject, split at \n only (as written)
                String[] lines = Files.readString(rejects, StandardCharsets.UTF_8).split("\n", -1);
                for (int i = 0; i + 1 < lines.length; i += 2) {
                    out.add(ImportRow.reject(ImportRow.order(index, i / 2), lines[i] + "\n" + lines[i + 1]));
                }
            }
            ImportSummary.FileSummary f = summary.files().get(0);
            out.add(ImportRow.counts(ImportRow.order(index, 0), new ImportRow.FileCounts(index, f.file(), f.format(),
                    f.detected(), f.container(), f.gzip(), f.inputRecords(), f.read(), f.rejected(), summary.rejected(),
                    summary.written(), summary.bytes(), new HashMap<>(summary.rejectReasons()))));
        } finally {
            try (Stream<Path> files = Files.list(scratch)) {
                for (Path p : files.toList()) {
                    Files.deleteIfExists(p);
                }
            }
            Files.deleteIfExists(scratch);
        }
        return TaskFault.rows(fault, index, out);
    }

    /** The merge task: one pair's records, put back in input order, through the single-machine merge. */
    private static Merged merge(Iterable<ImportRow> group, ImportSettings s) {
        List<ImportRow> rows = new ArrayList<>();
        group.forEach(rows::add);
        rows.sort(Comparator.comparingLong(ImportRow::order));
        List<Deduplicator.Item> items = rows.stream()
                .map(r -> new Deduplicator.Item(r.json(), r.origin(), r.position())).collect(Collectors.toList());
        Deduplicator.GroupResult g = Deduplicator.mergeGroup(items, s.conflictRule());
        List<Tuple2<Long, String>> dropped = new ArrayList<>();
        for (int i : g.dropped()) {
            // as PreferenceImport's reject writes it: "origin: reason", then the record
            String origin = rows.get(i).origin().replace('\t', ' ').replace('\n', ' ');
            dropped.add(new Tuple2<>(rows.get(i).order(), origin + ": " + g.dropReason().replace('\n', ' ') + "\n"
                    + rows.get(i).json().replace("\n", "\\n").replace("\r", "\\r")));
        }
        return new Merged(g.keptAt() >= 0 ? rows.get(g.keptAt()).order() : -1, g.kept(), g.exactDuplicates(),
                g.normalisedDuplicates(), g.conflict(), rows.get(0).order(), g.conflictOrigins(), dropped,
                g.dropReason());
    }

    /** Import rejects in input order, then dedupe drops in input order (as one machine writes them). */
    private static long writeRejects(Path path, JavaRDD<Tuple2<Long, String>> importRejects,
            JavaRDD<Tuple2<Long, String>> dropped, int partitions) {
        long n = 0;
        Path temp = null;
        BufferedWriter w = null;
        try {
            for (JavaRDD<Tuple2<Long, String>> part : dropped == null ? List.of(importRejects)
                    : List.of(importRejects, dropped)) {
                Iterator<String> it = part.mapToPair(t -> t).sortByKey(true, partitions).values().toLocalIterator();
                while (it.hasNext()) {
                    if (w == null) {
                        Path parent = path.toAbsolutePath().getParent();
                        if (parent != null) {
                            Files.createDirectories(parent);
                        }
                        temp = OutputFiles.temporaryFor(path);
                        w = Files.newBufferedWriter(temp, StandardCharsets.UTF_8);
                    }
                    w.write(it.next());
                    w.write('\n');
                    n++;
                }
            }
            if (w != null) {
                w.close();
                OutputFiles.commit(temp, path);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(path + ": cannot write (" + e.getMessage() + ")", e);
        }
        return n;
    }
}
