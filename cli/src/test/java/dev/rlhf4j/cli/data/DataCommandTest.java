package dev.rlhf4j.cli.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.rlhf4j.cli.Rlhf4j;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

class DataCommandTest {

    @TempDir
    Path tmp;

    private static final Path FIXTURES = Path.of("../preference-data/src/test/resources/fixtures");

    private record Run(int exit, String out, String err) {}

    private static Run run(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine cl = Rlhf4j.commandLine();
        cl.setOut(new PrintWriter(out));
        cl.setErr(new PrintWriter(err));
        int exit = cl.execute(args);
        return new Run(exit, out.toString(), err.toString());
    }

    @Test
    void importSplitStats() throws Exception {
        Path out = tmp.resolve("data.jsonl");
        Run imp = run("data", "import", FIXTURES.resolve("hh-rlhf.jsonl").toString(), FIXTURES.resolve("label-studio.json").toString(),
                "-o", out.toString(), "--dedupe");
        assertEquals(0, imp.exit(), imp.err());
        assertTrue(imp.out().contains("read 11 = written 7 + rejected 4 + duplicates 0 (9 input records; rankings expanded into pairs)"), imp.out());
        assertTrue(imp.err().contains("hh-rlhf.jsonl: detected format hh-rlhf (from the first 5 records)"), imp.err());
        assertTrue(Files.exists(tmp.resolve("data.jsonl.rejects.txt")));

        Run split = run("data", "split", out.toString(), "-o", tmp.resolve("split").toString(), "--test", "0.3", "--seed", "3");
        assertEquals(0, split.exit(), split.err());
        assertTrue(Files.exists(tmp.resolve("split/train.jsonl")));
        assertTrue(Files.exists(tmp.resolve("split/test.jsonl")));

        Path json = tmp.resolve("stats.json");
        Run stats = run("data", "stats", out.toString(), "--json", json.toString());
        assertEquals(0, stats.exit(), stats.err());
        assertTrue(stats.out().contains(": 7 records, 2 ties"), stats.out());
        assertTrue(Files.readString(json).contains("\"alpha_nominal\""));
    }

    /** No data command truncates its own input: an output that is the input, by path or by link, is refused. */
    @Test
    void noCommandWritesOverItsOwnInput() throws Exception {
        Path dir = tmp.resolve("X");
        Path in = dir.resolve("train.jsonl");
        assertEquals(0, run("data", "import", FIXTURES.resolve("hh-rlhf.jsonl").toString(), "-o", in.toString()).exit());
        byte[] before = Files.readAllBytes(in);
        List<String> files = Files.list(dir).map(p -> p.getFileName().toString()).sorted().toList();
        Path link = Files.createSymbolicLink(tmp.resolve("link.jsonl"), in);
        String rule = " must not be one of the inputs (it is written while they are read), but is: ";

        Run split = run("data", "split", in.toString(), "-o", dir.toString());
        assertEquals(2, split.exit());
        assertEquals("rlhf4j data split: split.output" + rule + in, split.err().strip());
        Run linked = run("data", "split", link.toString(), "-o", dir.toString());
        assertEquals(2, linked.exit());
        assertEquals("rlhf4j data split: split.output" + rule + in + " (the same file as " + link + ")", linked.err().strip());
        Run stats = run("data", "stats", in.toString(), "--json", in.toString());
        assertEquals(2, stats.exit());
        assertEquals("rlhf4j data stats: --json" + rule + in, stats.err().strip());
        Run imp = run("data", "import", link.toString(), "-o", in.toString());
        assertEquals(2, imp.exit());
        assertEquals("rlhf4j data import: import.output" + rule + in + " (the same file as " + link + ")", imp.err().strip());

        assertArrayEquals(before, Files.readAllBytes(in), "the input is untouched");
        assertEquals(List.of("X", "link.jsonl"), Files.list(tmp).map(p -> p.getFileName().toString()).sorted().toList());
        assertEquals(files, Files.list(dir).map(p -> p.getFileName().toString()).sorted().toList(),
                "no output and no temporary file");
    }

    @Test
    void strictStopsWithTheMessageAndExitOne() {
        Path in = FIXTURES.resolve("hh-rlhf.jsonl");
        Run r = run("data", "import", in.toString(), "-o", tmp.resolve("o.jsonl").toString(), "--strict");
        assertEquals(1, r.exit());
        assertTrue(r.err().contains("rlhf4j data import: " + in + ":3: chosen and rejected differ before their final assistant turn (earlier turns differ)"), r.err());
        assertTrue(r.out().contains("read 3 = written 2 + rejected 1 + duplicates 0"), r.out());
    }

    @Test
    void badOptionsExitTwo() {
        Run r = run("data", "import", FIXTURES.resolve("shp.jsonl").toString(), "-o", tmp.resolve("o.jsonl").toString(),
                "-O", "shp.min_score_ratio=lots");
        assertEquals(2, r.exit());
        assertEquals("rlhf4j data import: shp.min_score_ratio must be a number, but is: lots", r.err().strip());
        Run s = run("data", "split", FIXTURES.resolve("shp.jsonl").toString(), "-o", tmp.toString(), "--test", "2");
        assertEquals(2, s.exit());
        assertEquals("rlhf4j data split: split.test must be between 0 (inclusive) and 1 (exclusive), but is: 2.0", s.err().strip());
    }

    @Test
    void optionsFileAndFormatGiven() throws Exception {
        Path opts = tmp.resolve("import.properties");
        Files.writeString(opts, "shp.min_score_ratio=2\n");
        Run r = run("data", "import", "--format", "shp", FIXTURES.resolve("shp.jsonl").toString(), "-o", tmp.resolve("o.jsonl").toString(),
                "--options", opts.toString());
        assertEquals(0, r.exit(), r.err());
        assertTrue(r.out().contains("format shp (given)"), r.out());
        assertTrue(r.out().contains("read 3 = written 2 + rejected 1 + duplicates 0"), r.out());
    }

    @Test
    void maxLineBytesRejectsLongerLines() throws Exception {
        Path in = tmp.resolve("in.jsonl");
        Files.writeString(in, "{\"prompt\": \"p\", \"chosen\": \"a\", \"rejected\": \"b\"}\n"
                + "{\"prompt\": \"" + "x".repeat(2000) + "\", \"chosen\": \"a\", \"rejected\": \"b\"}\n");
        Path out = tmp.resolve("o.jsonl");
        Run r = run("data", "import", in.toString(), "-o", out.toString(), "--max-line-bytes", "1000");
        assertEquals(0, r.exit(), r.err());
        assertTrue(r.out().contains("read 2 = written 1 + rejected 1 + duplicates 0"), r.out());
        assertTrue(r.out().contains("1  line longer than 1000 bytes"), r.out());
        assertEquals(in + ":2: line longer than 1000 bytes (--max-line-bytes)",
                Files.readAllLines(tmp.resolve("o.jsonl.rejects.txt")).get(0));
        Run bad = run("data", "import", in.toString(), "-o", out.toString(), "--max-line-bytes", "0");
        assertEquals(2, bad.exit());
        assertEquals("rlhf4j data import: import.max_line_bytes must be between 1 and 2147483639, but is: 0", bad.err().strip());
    }

    @Test
    void formatsListsEveryFormat() {
        Run r = run("data", "formats");
        assertEquals(0, r.exit());
        for (String name : new String[] {"rlhf4j", "hh-rlhf", "trl", "summarize-from-feedback", "shp", "ultrafeedback", "helpsteer2",
            "arena-55k", "arena-conversations", "label-studio", "argilla", "crowd-csv"}) {
            assertTrue(r.out().contains(name + " "), name);
        }
    }
}
