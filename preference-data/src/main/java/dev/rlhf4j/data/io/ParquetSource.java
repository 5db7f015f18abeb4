package dev.rlhf4j.data.io;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import dev.rlhf4j.data.record.RecordJson;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.zip.GZIPInputStream;

/**
 * Parquet, read through DuckDB's JDBC driver ({@code org.duckdb:duckdb_jdbc}, a run-time
 * dependency that works offline; the build takes its Linux x86-64 jar, see {@code duckdb.classifier}
 * in the parent pom): each row comes back as one JSON object ({@code to_json}), so nested lists and
 * structs keep their shape. Rows are fetched in chunks, not loaded whole. A
 * gzip-compressed Parquet file is first decompressed to a temporary file (Parquet needs random
 * access), at most {@link ReadLimits#maxDecompressedBytes()} of it, so that a small file cannot fill
 * the disk. The "line" of a row is its 1-based row number.
 */
final class ParquetSource extends AbstractRecordSource {

    static final String DRIVER = "org.duckdb.DuckDBDriver";

    private final Path path;
    private final Path temp;
    private Connection connection;
    private Statement statement;
    private ResultSet rows;
    private long row;

    ParquetSource(Path path, String file, boolean gzip, long maxDecompressedBytes) throws IOException {
        super(file, gzip, Container.PARQUET);
        this.path = path;
        try {
            Class.forName(DRIVER);
        } catch (ClassNotFoundException e) {
            throw new InputException(file + ": reading Parquet needs DuckDB's JDBC driver "
                    + "(org.duckdb:duckdb_jdbc) on the class path; convert the file to JSON Lines or CSV, "
                    + "or add the driver", e);
        }
        Path source = path;
        if (gzip) {
            temp = Files.createTempFile("rlhf4j-", ".parquet");
            try {
                decompress(path, temp, maxDecompressedBytes, file);
            } catch (IOException | RuntimeException e) {
                Files.deleteIfExists(temp);
                throw e instanceof InputException ie ? ie
                        : new InputException(file + ": " + RecordSources.describe(
                                e instanceof IOException io ? io : new IOException(e), true), e);
            }
            source = temp;
        } else {
            temp = null;
        }
        try {
            connection = DriverManager.getConnection("jdbc:duckdb:");
            statement = connection.createStatement();
            String literal = source.toAbsolutePath().toString().replace("'", "''");
            rows = statement.executeQuery("SELECT to_json(t)::VARCHAR FROM read_parquet('" + literal + "') t");
        } catch (SQLException e) {
            cleanup();
            throw new InputException(file + ": not a readable Parquet file (" + firstLine(e.getMessage()) + ")", e);
        } catch (LinkageError e) {
            // DuckDB loads its native library on the first connection and fails with an error, not
            // an SQLException, when its jar holds none for this platform
            cleanup();
            throw new InputException(file + ": reading Parquet needs DuckDB's native library for "
                    + System.getProperty("os.name") + " " + System.getProperty("os.arch")
                    + ", and the DuckDB jar on the class path has none for it (rlhf4j is built with DuckDB's Linux x86-64"
                    + " jar; build with -Dduckdb.classifier= for the jar with every platform's); or convert the file to"
                    + " JSON Lines or CSV", e);
        }
    }

    /** Inflates {@code path} into {@code temp}, stopping past {@code max} bytes. */
    private static void decompress(Path path, Path temp, long max, String file) throws IOException {
        try (InputStream in = new GZIPInputStream(Files.newInputStream(path), 1 << 16);
                OutputStream out = Files.newOutputStream(temp)) {
            byte[] buf = new byte[1 << 16];
            long total = 0;
            for (int n; (n = in.read(buf)) > 0; ) {
                total += n;
                if (total > max) {
                    throw new InputException(file + ": decompresses to more than " + max + " bytes"
                            + " (--max-parquet-bytes); Parquet must be decompressed to a temporary file to be read."
                            + " Raise the limit if the file is genuine");
                }
                try {
                    out.write(buf, 0, n);
                } catch (IOException e) {
                    throw new InputException(file + ": cannot decompress it to " + temp + " (" + e.getMessage() + ")", e);
                }
            }
        }
    }

    @Override
    RawRecord read() {
        String file = file();
        try {
            if (!rows.next()) {
                return null;
            }
            row++;
            String json = rows.getString(1);
            try {
                JsonNode node = RecordJson.MAPPER.readTree(json);
                return new RawRecord(file, row, node, json, null);
            } catch (JsonProcessingException e) {
                return new RawRecord(file, row, null, json, "row not representable as JSON: " + e.getOriginalMessage());
            }
        } catch (SQLException e) {
            throw new InputException(file + ": Parquet read error after row " + row + " ("
                    + firstLine(e.getMessage()) + "); the rows before it were read", e);
        }
    }

    private static String firstLine(String m) {
        if (m == null) {
            return "unknown error";
        }
        int nl = m.indexOf('\n');
        return nl > 0 ? m.substring(0, nl) : m;
    }

    @Override
    public long bytesRead() {
        try {
            return done() ? Files.size(path) : 0;
        } catch (IOException e) {
            return 0;
        }
    }

    @Override
    void closeInput() {
        cleanup();
    }

    private void cleanup() {
        try {
            if (rows != null) {
                rows.close();
            }
            if (statement != null) {
                statement.close();
            }
            if (connection != null) {
                connection.close();
            }
        } catch (SQLException e) {
            // read-only
        }
        try {
            if (temp != null) {
                Files.deleteIfExists(temp);
            }
        } catch (IOException e) {
            // a leftover temporary file is harmless
        }
    }
}
