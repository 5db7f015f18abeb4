/** PNG plots and the HTML run report. */
package dev.rlhf4j.cli.report;
