/**
 * Files in and out: line-oriented JSON input with errors that name the file and the line, and the
 * exclusive lock a run holds on its directory ({@link dev.rlhf4j.core.io.RunLock}).
 */
package dev.rlhf4j.core.io;
