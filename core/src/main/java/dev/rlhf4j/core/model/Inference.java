package dev.rlhf4j.core.model;

import ai.djl.pytorch.jni.JniUtils;

/**
 * Whether the current forward pass runs without gradients (libtorch's grad mode is off on this
 * thread: outside every GradientCollector). Then no backward will read the temporaries, so the
 * model may overwrite them in place and close them as soon as they have been used, as PyTorch's
 * reference counting does; with gradients it must leave both to the step's scope.
 */
final class Inference {
    private Inference() {}

    static boolean active() {
        return !JniUtils.isGradMode();
    }
}
