/** Canonical preference records: importers for annotation exports and public sets, cleaning, splits and agreement statistics. */
package dev.rlhf4j.data;
