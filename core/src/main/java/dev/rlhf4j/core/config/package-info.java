/**
 * YAML run configs: loading, {@code --set key=value} overrides, and binding a section to a typed,
 * validated record with errors that name the file and the full key.
 */
package dev.rlhf4j.core.config;
