package dev.rlhf4j.data.io;

/**
 * How much one input record may take, so that a small file cannot make the reader hold or write
 * without bound: a 3 MB gzip can inflate to one line of many gigabytes.
 *
 * @param maxRecordBytes the longest JSON Lines line, CSV row or JSON array element (default
 *     {@value #DEFAULT_MAX_RECORD_BYTES}, 64 MiB). An over-long JSON Lines line is skipped and
 *     rejected; in CSV and JSON arrays, where the next record cannot be found without parsing
 *     this one, it ends the file. CSV rows and array elements are measured in characters, give or
 *     take one read-ahead buffer.
 * @param maxDecompressedBytes the largest temporary file a gzip-compressed Parquet file may
 *     decompress to (default {@value #DEFAULT_MAX_DECOMPRESSED_BYTES}, 4 GiB)
 */
public record ReadLimits(long maxRecordBytes, long maxDecompressedBytes) {

    public static final long DEFAULT_MAX_RECORD_BYTES = 64L << 20;
    public static final long DEFAULT_MAX_DECOMPRESSED_BYTES = 4L << 30;
    /** The most a record can hold: one Java array. */
    public static final long MAX_RECORD_BYTES = Integer.MAX_VALUE - 8;

    public static final ReadLimits DEFAULT = new ReadLimits(DEFAULT_MAX_RECORD_BYTES, DEFAULT_MAX_DECOMPRESSED_BYTES);

    public ReadLimits {
        if (maxRecordBytes < 1 || maxRecordBytes > MAX_RECORD_BYTES) {
            throw new IllegalArgumentException("import.max_line_bytes must be between 1 and " + MAX_RECORD_BYTES
                    + ", but is: " + maxRecordBytes);
        }
        if (maxDecompressedBytes < 1) {
            throw new IllegalArgumentException("import.max_parquet_bytes must be at least 1, but is: " + maxDecompressedBytes);
        }
    }
}
