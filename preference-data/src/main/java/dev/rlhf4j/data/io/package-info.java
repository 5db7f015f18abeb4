/**
 * Streaming input: {@code .jsonl}, {@code .json} (a JSON array, read with Jackson's streaming
 * parser, or JSON Lines), {@code .csv} and {@code .parquet}, each optionally gzip-compressed
 * (detected from the magic bytes, whatever the file name). Every source yields {@link
 * dev.rlhf4j.data.io.RawRecord}s one at a time with their file and line, so memory stays bounded
 * whatever the file size; canonical records are written back as JSON Lines, through a temporary
 * file renamed into place, and never over an input ({@link dev.rlhf4j.data.io.OutputFiles}).
 */
package dev.rlhf4j.data.io;
