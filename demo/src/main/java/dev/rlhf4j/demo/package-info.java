/**
 * The built-in demo ({@code rlhf4j demo}): the review task of {@link dev.rlhf4j.demo.task}, a tiny
 * base model pretrained on its corpus, then the pipeline's stages, measured against the hidden gold
 * reward ({@link dev.rlhf4j.demo.DemoRun}); the summary table, plots and HTML report ({@link
 * dev.rlhf4j.demo.DemoReport}).
 *
 * <p>A module of its own, between the two it joins: it runs the pipeline ({@code
 * dev.rlhf4j.pipeline}) and the command line calls it, so the arrows stay one-way: cli → demo →
 * pipeline. Its config, {@code configs/demo.yaml}, ships in this module's jar.
 */
package dev.rlhf4j.demo;
