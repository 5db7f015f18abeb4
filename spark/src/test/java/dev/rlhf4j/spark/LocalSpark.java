package dev.rlhf4j.spark;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.apache.spark.SparkConf;
import org.apache.spark.api.java.JavaSparkContext;

/** Spark in this JVM for the tests: two task threads, and a failed task tried up to 3 times. */
final class LocalSpark {

    private LocalSpark() {}

    static JavaSparkContext start(String name) {
        SparkConf conf = new SparkConf()
                .setAppName(name)
                .setMaster("local[2,3]")
                .set("spark.ui.enabled", "false")
                .set("spark.driver.host", "127.0.0.1")
                .set("spark.driver.bindAddress", "127.0.0.1");
        return new JavaSparkContext(conf);
    }

    /** The parts of an output directory, concatenated in order: the single-machine file's bytes. */
    static byte[] concatenatedParts(Path dir) throws IOException {
        try (Stream<Path> files = Files.list(dir)) {
            List<Path> parts = files.filter(p -> p.getFileName().toString().startsWith("part-")).sorted().toList();
            java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
            for (Path p : parts) {
                out.write(Files.readAllBytes(p));
            }
            return out.toByteArray();
        } catch (UncheckedIOException e) {
            throw e.getCause();
        }
    }
}
