package dev.rlhf4j.core.ops;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.pytorch.engine.PtNDArray;
import ai.djl.pytorch.engine.PtNDManager;
import ai.djl.pytorch.engine.PtSymbolBlock;
import ai.djl.pytorch.jni.IValue;
import ai.djl.pytorch.jni.IValueUtils;
import ai.djl.pytorch.jni.JniUtils;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.List;

/**
 * libtorch kernels that DJL 0.36 does not bind, called through a small TorchScript module
 * ({@code kernels.pt}, written by {@code tools/make_kernels.py}; source text only, no weights), so
 * they are libtorch's own, fused, forward and backward:
 *
 * <ul>
 *   <li>{@link #silu}: {@code F.silu}, one kernel where {@code x·sigmoid(x)} takes two (and three
 *       in the backward);
 *   <li>{@link #geluTanh}: {@code F.gelu(approximate="tanh")}, GPT-2's {@code gelu_new};
 *   <li>{@link #adamW}: {@code torch._fused_adamw_}, the kernel of {@code
 *       torch.optim.AdamW(fused=True)}: one pass over each parameter where the per-tensor path takes
 *       about a dozen.
 * </ul>
 *
 * <p>The activations run with the caller's gradient mode (inside a GradientCollector they are
 * recorded by autograd like any DJL operation); their results are attached to the input's manager
 * and registered with the current {@link ai.djl.ndarray.NDScope}. The module is loaded once per
 * JVM, on first use; TorchScript methods may be called from several threads at once.
 */
public final class TorchKernels {

    private TorchKernels() {}

    /** {@code x·sigmoid(x)}, libtorch's fused SiLU. */
    public static NDArray silu(NDArray x) {
        return Module.INSTANCE.call(Module.INSTANCE.silu, x);
    }

    /** {@code 0.5·x·(1 + tanh(√(2/π)·(x + 0.044715·x³)))}, libtorch's fused tanh GELU. */
    public static NDArray geluTanh(NDArray x) {
        return Module.INSTANCE.call(Module.INSTANCE.geluTanh, x);
    }

    /**
     * One AdamW update of {@code params} in place, as {@code torch.optim.AdamW(fused=True)} makes
     * it: each {@code steps} entry (a float32 scalar per parameter, its count of updates so far) is
     * incremented, then every parameter, first and second moment is updated by one fused kernel
     * (decoupled decay {@code p·(1 - lr·weight_decay)}, bias corrections from the parameter's own
     * step). All lists are parallel and of one dtype; runs without gradients.
     */
    public static void adamW(List<NDArray> params, List<NDArray> grads, List<NDArray> expAvgs,
            List<NDArray> expAvgSqs, List<NDArray> steps, double lr, double beta1, double beta2, double weightDecay,
            double eps) {
        IValue[] args = {list(params), list(grads), list(expAvgs), list(expAvgSqs), list(steps), IValue.from(lr),
            IValue.from(beta1), IValue.from(beta2), IValue.from(weightDecay), IValue.from(eps)};
        try {
            // runMethod runs in libtorch's inference mode, which allows in-place updates of parameters
            IValueUtils.runMethod(Module.INSTANCE.block, "adamw", args).close(); // returns None
        } finally {
            for (IValue a : args) {
                a.close();
            }
        }
    }

    private static IValue list(List<NDArray> arrays) {
        PtNDArray[] pt = new PtNDArray[arrays.size()];
        for (int i = 0; i < pt.length; i++) {
            pt[i] = (PtNDArray) arrays.get(i);
        }
        return IValue.listFrom(pt);
    }

    /** The loaded module and its method selectors, held for the life of the JVM. */
    private static final class Module {
        static final Module INSTANCE = new Module();

        final PtSymbolBlock block;
        // DJL's IValueUtils.forward runs the method an input named "module_method:NAME" names; that
        // input itself is not passed. Unlike IValueUtils.runMethod, it keeps the caller's grad mode.
        final NDArray silu;
        final NDArray geluTanh;

        private Module() {
            NDManager manager = NDManager.newBaseManager();
            try (InputStream in = TorchKernels.class.getResourceAsStream("kernels.pt")) {
                if (in == null) {
                    throw new IllegalStateException("kernels.pt is missing from the classpath next to "
                            + TorchKernels.class.getName());
                }
                block = JniUtils.loadModule((PtNDManager) manager, in, false, false);
            } catch (IOException e) {
                throw new UncheckedIOException("cannot load kernels.pt", e);
            }
            silu = selector(manager, "silu");
            geluTanh = selector(manager, "gelu_tanh");
        }

        private static NDArray selector(NDManager manager, String method) {
            NDArray a = manager.create(0f);
            NDScope.unregister(a); // lives as long as the module, whichever scope first used it
            a.setName("module_method:" + method);
            return a;
        }

        /**
         * Runs a one-tensor method; the result belongs to {@code x}'s manager and the current scope.
         * ({@code x} must not carry a name with a dot, which IValueUtils would read as a dictionary
         * entry; activations carry no name.)
         */
        NDArray call(NDArray method, NDArray x) {
            return IValueUtils.forward(block, new NDList(x, method), true).singletonOrThrow();
        }
    }
}
