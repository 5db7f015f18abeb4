/**
 * Files in and out: JSON input (JSON Lines, single JSON files) with errors that name the file and
 * the line ({@link dev.rlhf4j.core.io.JsonLines}); directories rlhf4j owns, marked, and replaced only by renames
 * ({@link dev.rlhf4j.core.io.OwnedDirectory}); forcing them to disk ({@link
 * dev.rlhf4j.core.io.Durable}); the exclusive lock a run holds on its directory ({@link
 * dev.rlhf4j.core.io.RunLock}).
 */
package dev.rlhf4j.core.io;
