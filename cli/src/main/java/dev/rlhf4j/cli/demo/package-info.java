/** {@code rlhf4j demo}: parses the options, then runs the built-in task ({@link dev.rlhf4j.demo.DemoRun}). */
package dev.rlhf4j.cli.demo;
