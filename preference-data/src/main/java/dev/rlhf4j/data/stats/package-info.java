/**
 * Quality statistics of a canonical preference file: counts, tie rate, length distributions,
 * per-annotator counts, inter-annotator agreement (raw, Cohen's κ, Fleiss' κ, Krippendorff's α
 * nominal and ordinal), position and length bias, duplicate and conflict counts, and
 * Bradley–Terry aggregation of several annotators' labels into one label and a confidence.
 */
package dev.rlhf4j.data.stats;
