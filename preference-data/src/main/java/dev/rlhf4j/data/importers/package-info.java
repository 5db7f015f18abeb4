/**
 * One importer per public export format (FORMATS.md), each turning one input record into zero or
 * more canonical {@link dev.rlhf4j.data.record.PreferenceRecord}s, plus format auto-detection
 * ({@link dev.rlhf4j.data.importers.Formats}). Importers reject bad input only with {@link
 * dev.rlhf4j.data.record.InvalidRecordException}, whose message is the reason.
 */
package dev.rlhf4j.data.importers;
