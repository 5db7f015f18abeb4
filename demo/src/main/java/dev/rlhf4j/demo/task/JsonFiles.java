package dev.rlhf4j.demo.task;

import com.fasterxml.jackson.core.util.DefaultIndenter;
import com.fasterxml.jackson.core.util.DefaultPrettyPrinter;
import com.fasterxml.jackson.core.util.Separators;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;

/**
 * Writes JSON and JSON Lines files the way the demo task needs them: UTF-8, {@code \n} line ends,
 * written to a temporary file beside the target and moved into place, so an interrupted run never
 * leaves a half-written file under the final name.
 */
final class JsonFiles {

    static final ObjectMapper MAPPER = new ObjectMapper();

    /** Two-space indent, {@code "key": value} and {@code {}}, as Python's {@code json.dumps(indent=2)} writes. */
    private static final DefaultPrettyPrinter PRETTY = new DefaultPrettyPrinter(
            Separators.createDefaultInstance()
                    .withObjectFieldValueSpacing(Separators.Spacing.AFTER)
                    .withObjectEmptySeparator("")
                    .withArrayEmptySeparator(""))
            .withObjectIndenter(new DefaultIndenter("  ", "\n"))
            .withArrayIndenter(new DefaultIndenter("  ", "\n"));

    private JsonFiles() {}

    /** One compact JSON object per line. */
    static void writeLines(Path file, List<? extends JsonNode> records) throws IOException {
        writeAtomically(file, out -> {
            for (JsonNode record : records) {
                out.write(MAPPER.writeValueAsString(record));
                out.write('\n');
            }
        });
    }

    /** One pretty-printed JSON value followed by a newline. */
    static void writePretty(Path file, JsonNode value) throws IOException {
        writeAtomically(file, out -> {
            out.write(MAPPER.writer(PRETTY).writeValueAsString(value));
            out.write('\n');
        });
    }

    private interface Body {
        void write(Writer out) throws IOException;
    }

    private static void writeAtomically(Path file, Body body) throws IOException {
        Path target = file.toAbsolutePath();
        Files.createDirectories(target.getParent());
        Path temp = Files.createTempFile(target.getParent(), "." + target.getFileName(), ".tmp");
        try {
            try (Writer out = Files.newBufferedWriter(temp, StandardCharsets.UTF_8)) {
                body.write(out);
            }
            Files.move(temp, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } finally {
            Files.deleteIfExists(temp);
        }
    }
}
