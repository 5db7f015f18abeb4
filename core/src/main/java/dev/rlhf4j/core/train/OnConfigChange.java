package dev.rlhf4j.core.train;

/**
 * What a resumed run does when its config changed since the checkpoint in a way that alters the
 * training ({@link ConfigChanges}).
 */
public enum OnConfigChange {
    /** Stop with a message naming each changed key, its old and its new value (the default). */
    REFUSE,
    /** Resume anyway, with a warning naming the changes ({@code --allow-config-change}). */
    ALLOW
}
