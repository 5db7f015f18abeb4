/** JSON input (JSON Lines, single JSON files) with errors that name the file and the line. */
package dev.rlhf4j.core.io;
