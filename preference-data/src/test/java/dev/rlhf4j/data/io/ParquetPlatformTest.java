package dev.rlhf4j.data.io;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The build takes DuckDB's Linux x86-64 jar: on a platform it holds no library for, reading Parquet
 * fails with a message naming the platform and the way out, not with DuckDB's linkage error.
 */
class ParquetPlatformTest {

    @TempDir
    Path tmp;

    @Test
    void parquetOnAPlatformWithoutDuckDbsLibraryNamesIt() throws Exception {
        assumeTrue(ParquetPlatformTest.class.getResource("/libduckdb_java.so_linux_arm64") == null,
                "the DuckDB jar on the class path holds the Linux arm64 library");
        Path parquet = tmp.resolve("one.parquet");
        try (Connection c = DriverManager.getConnection("jdbc:duckdb:"); Statement st = c.createStatement()) {
            st.execute("COPY (SELECT 'hi' AS prompt) TO '" + parquet + "' (FORMAT parquet)");
        }
        // a JVM that takes itself for arm64 looks for the arm64 library, which the jar does not hold
        Process child = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Dos.arch=aarch64", "-cp", System.getProperty("java.class.path"), Child.class.getName(),
                parquet.toString())
                .redirectError(ProcessBuilder.Redirect.DISCARD) // DuckDB prints its own stack trace
                .start();
        List<String> out = List.of(new String(child.getInputStream().readAllBytes(), StandardCharsets.UTF_8).split("\n"));
        assertEquals(3, child.waitFor(), String.join("\n", out));
        assertEquals(parquet + ": reading Parquet needs DuckDB's native library for " + System.getProperty("os.name")
                + " aarch64, and the DuckDB jar on the class path has none for it (rlhf4j is built with DuckDB's Linux"
                + " x86-64 jar; build with -Dduckdb.classifier= for the jar with every platform's); or convert the file"
                + " to JSON Lines or CSV", out.get(out.size() - 1));
    }

    /** Opens the file given and prints the error: exit 3 on an {@link InputException}, 0 when it opens. */
    static final class Child {
        public static void main(String[] args) throws IOException {
            try (RecordSource source = RecordSources.open(Path.of(args[0]))) {
                System.out.println("opened " + args[0]);
            } catch (InputException e) {
                System.out.println(e.getMessage());
                System.exit(3);
            }
        }
    }
}
