package dev.rlhf4j.core.ops;

import ai.djl.ndarray.NDArray;

/**
 * Scalar operands for differentiable code: use {@code x.mul(Scalars.of(x, 0.5f))}, never {@code
 * x.mul(0.5f)}, wherever a gradient flows through the operation.
 *
 * <p>Why: DJL's {@code NDArray.mul(Number)} (and {@code div}, {@code pow}, {@code add}, ...) on the
 * PyTorch engine wraps the number in a tensor made with {@code torch::from_blob} over a Java direct
 * buffer (no copy), runs the operation, and closes that tensor at once. libtorch's autograd keeps
 * the tensor for the backward pass ({@code d(x·c)/dx = c}, {@code d(x^p)/dx = p·x^(p-1)}), but
 * once the Java handle is closed nothing keeps the buffer alive: a garbage collection between
 * forward and backward frees it, and the backward reads whatever memory is there, intermittently
 * giving NaN or wildly wrong gradients while the forward pass and the loss look fine. {@link #of}
 * creates the scalar in the operand's manager, so it lives until that scope closes, after the
 * backward. Number overloads stay fine where no gradient is taken, and for {@code add}/{@code sub},
 * whose backward does not read the operand.
 */
public final class Scalars {

    private Scalars() {}

    /** A float32 scalar (shape ()) in the manager of {@code like}. */
    public static NDArray of(NDArray like, float value) {
        return like.getManager().create(value);
    }
}
