package dev.rlhf4j.core.config;

/** A config the user wrote is wrong; the message names the file, the key and what is expected. */
public class ConfigException extends IllegalArgumentException {
    public ConfigException(String message) {
        super(message);
    }
}
