/** Benchmarks run by hand (main classes, not unit tests). */
package dev.rlhf4j.data.bench;
