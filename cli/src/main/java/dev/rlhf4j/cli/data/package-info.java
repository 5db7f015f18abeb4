/**
 * {@code rlhf4j data import|split|stats|formats}: parse arguments, then call the preference-data
 * API ({@link dev.rlhf4j.data.PreferenceImport}, {@link dev.rlhf4j.data.split.GroupSplitter},
 * {@link dev.rlhf4j.data.stats.DatasetStats}).
 */
package dev.rlhf4j.cli.data;
