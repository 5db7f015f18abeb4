/** Commands on a model directory: inspect, perplexity, generate. */
package dev.rlhf4j.cli.model;
