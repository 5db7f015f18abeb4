/** The stage commands: parse arguments and the config section, then call the stage's trainer. */
package dev.rlhf4j.cli.stage;
