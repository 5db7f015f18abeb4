package dev.rlhf4j.data.importers;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.rlhf4j.data.ImportException;
import dev.rlhf4j.data.ImportOptions;
import dev.rlhf4j.data.PreferenceImport;
import dev.rlhf4j.data.TempDirs;
import dev.rlhf4j.data.io.RecordSource;
import dev.rlhf4j.data.io.RecordSources;
import dev.rlhf4j.data.record.InvalidRecordException;
import dev.rlhf4j.data.record.PreferenceRecord;
import dev.rlhf4j.data.record.RecordJson;
import dev.rlhf4j.data.record.RecordValidator;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;

/**
 * Fuzzing: every importer gets mutated fixture records and random JSON, and must either convert
 * them or reject them with {@link InvalidRecordException} — no other exception may escape. The
 * whole import gets random bytes and must end normally or with {@link ImportException}.
 */
class ImporterFuzzProperties {

    private static final JsonNodeFactory F = JsonNodeFactory.instance;
    private static final List<Formats.Format> FORMATS = Formats.all();
    private static final String[] FIXTURES = {"hh-rlhf.jsonl", "trl.jsonl", "summarize-from-feedback.jsonl", "shp.jsonl",
        "ultrafeedback.jsonl", "helpsteer2.jsonl", "arena-55k.csv", "arena-conversations.jsonl", "label-studio.json",
        "argilla.jsonl", "crowd.csv"};
    private static final List<JsonNode> SEEDS = seeds();

    private static List<JsonNode> seeds() {
        List<JsonNode> out = new ArrayList<>();
        for (String f : FIXTURES) {
            try (RecordSource s = RecordSources.open(Path.of("src/test/resources/fixtures", f))) {
                s.forEachRemaining(r -> {
                    if (r.ok()) {
                        out.add(r.node());
                    }
                });
            }
        }
        return out;
    }

    private static JsonNode randomValue(Random r, int depth) {
        switch (r.nextInt(depth > 2 ? 6 : 8)) {
            case 0: return F.nullNode();
            case 1: return F.numberNode(r.nextInt(7) - 3);
            case 2: return F.numberNode(r.nextDouble() * 1e3 - 500);
            case 3: return F.booleanNode(r.nextBoolean());
            case 4: return F.textNode(randomText(r));
            case 5: return F.textNode(r.nextBoolean() ? "[\"a\", null, 3]" : "{\"x\":");
            case 6: {
                ArrayNode a = F.arrayNode();
                for (int i = r.nextInt(4); i > 0; i--) {
                    a.add(randomValue(r, depth + 1));
                }
                return a;
            }
            default: {
                ObjectNode o = F.objectNode();
                String[] keys = {"role", "content", "text", "id", "value", "rank", "status", "user_id", "type", "selected", "Rating"};
                for (int i = r.nextInt(4); i > 0; i--) {
                    o.set(keys[r.nextInt(keys.length)], randomValue(r, depth + 1));
                }
                return o;
            }
        }
    }

    private static String randomText(Random r) {
        String[] pieces = {"", " ", "\n\nHuman: ", "\n\nAssistant: ", "<extra_id_1>User\n", "<extra_id_1>", "left", "right",
            "model_a", "tie", "a", "N/A", "5", "-3", "submitted", "é", "\uD83D\uDE00", "\u0000", "r/"};
        StringBuilder sb = new StringBuilder();
        for (int i = r.nextInt(5); i > 0; i--) {
            sb.append(pieces[r.nextInt(pieces.length)]);
        }
        return sb.toString();
    }

    /** One random edit somewhere in the tree: delete, replace, or retype a value. */
    private static void mutate(JsonNode node, Random r) {
        if (node.isObject()) {
            ObjectNode o = (ObjectNode) node;
            List<String> keys = new ArrayList<>();
            o.fieldNames().forEachRemaining(keys::add);
            if (keys.isEmpty()) {
                o.set("x", randomValue(r, 0));
                return;
            }
            String key = keys.get(r.nextInt(keys.size()));
            switch (r.nextInt(4)) {
                case 0 -> o.remove(key);
                case 1 -> o.set(key, randomValue(r, 0));
                default -> mutate(o.get(key), r);
            }
        } else if (node.isArray()) {
            ArrayNode a = (ArrayNode) node;
            if (a.isEmpty()) {
                a.add(randomValue(r, 0));
                return;
            }
            int i = r.nextInt(a.size());
            switch (r.nextInt(4)) {
                case 0 -> a.remove(i);
                case 1 -> a.set(i, randomValue(r, 0));
                default -> mutate(a.get(i), r);
            }
        }
    }

    private static void convertOrReject(Formats.Format format, JsonNode input) {
        PreferenceImporter importer = format.factory().apply(FormatOptions.NONE);
        List<PreferenceRecord> records;
        try {
            records = importer.convert(input);
        } catch (InvalidRecordException e) {
            if (e.getMessage() == null || e.getMessage().isBlank()) {
                throw new AssertionError(format.name() + ": rejection without a reason for " + input);
            }
            return;
        } catch (RuntimeException e) {
            throw new AssertionError(format.name() + " threw " + e + " for " + input, e);
        }
        for (PreferenceRecord p : records) {
            try {
                RecordValidator.validate(p);
            } catch (InvalidRecordException e) {
                continue;
            }
            RecordJson.toJson(p);
        }
    }

    @Property(tries = 3000)
    void mutatedFixtureRecords(@ForAll long seed, @ForAll @IntRange(min = 1, max = 6) int edits) {
        Random r = new Random(seed);
        JsonNode input = SEEDS.get(r.nextInt(SEEDS.size())).deepCopy();
        for (int i = 0; i < edits; i++) {
            mutate(input, r);
        }
        for (Formats.Format f : FORMATS) {
            convertOrReject(f, input);
        }
    }

    @Property(tries = 1000)
    void randomJson(@ForAll long seed) {
        Random r = new Random(seed);
        JsonNode input = randomValue(r, 0);
        for (Formats.Format f : FORMATS) {
            convertOrReject(f, input);
        }
    }

    @Property(tries = 60)
    void randomBytesThroughTheWholeImport(@ForAll long seed, @ForAll @IntRange(min = 0, max = 3) int kind) throws Exception {
        Random r = new Random(seed);
        String[] names = {"in.jsonl", "in.json", "in.csv", "in.jsonl.gz"};
        byte[] bytes;
        if (r.nextBoolean()) {
            bytes = new byte[r.nextInt(400)];
            r.nextBytes(bytes);
        } else {
            JsonNode seedRecord = SEEDS.get(r.nextInt(SEEDS.size())).deepCopy();
            mutate(seedRecord, r);
            String text = kind == 1 ? "[" + seedRecord + "," + seedRecord : seedRecord + "\n" + seedRecord.toString().substring(0, r.nextInt(seedRecord.toString().length() + 1));
            bytes = text.getBytes(java.nio.charset.StandardCharsets.UTF_8);
        }
        if (kind == 3 && r.nextBoolean()) {
            java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
            try (var gz = new java.util.zip.GZIPOutputStream(out)) {
                gz.write(bytes);
            }
            byte[] all = out.toByteArray();
            bytes = java.util.Arrays.copyOf(all, r.nextInt(all.length + 1));
        }
        Path dir = TempDirs.create("fuzz");
        Path in = dir.resolve(names[kind]);
        Files.write(in, bytes);
        try {
            var s = PreferenceImport.run(ImportOptions.builder().addInput(in).setOutput(dir.resolve("out.jsonl")).build());
            if (!s.balanced()) {
                throw new AssertionError(s.report());
            }
        } catch (ImportException e) {
            if (e.summary() != null && !e.summary().balanced()) {
                throw new AssertionError(e.summary().report());
            }
        }
    }

    /** The canonical reader is part of every re-import: it too only rejects. */
    @Property(tries = 500)
    void canonicalReader(@ForAll long seed) {
        Random r = new Random(seed);
        JsonNode input = RecordJson.MAPPER.valueToTree(Map.of("id", "x", "prompt", List.of(), "chosen",
                List.of(Map.of("role", "assistant", "content", "a")), "rejected", List.of(Map.of("role", "assistant", "content", "b")),
                "tie", false, "labels", List.of(Map.of("annotator", "w", "preference", "chosen")), "meta", Map.of()));
        for (int i = 0; i < 1 + r.nextInt(4); i++) {
            mutate(input, r);
        }
        convertOrReject(Formats.byName("rlhf4j").orElseThrow(), input);
    }

}
