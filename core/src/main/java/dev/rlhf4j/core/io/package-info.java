/** Line-oriented JSON input with errors that name the file and the line. */
package dev.rlhf4j.core.io;
