package dev.rlhf4j.ppo;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.core.Linear;
import dev.rlhf4j.core.checkpoint.ModelDirectory;
import dev.rlhf4j.core.checkpoint.NamedTensor;
import dev.rlhf4j.core.checkpoint.SafetensorsFile;
import dev.rlhf4j.core.checkpoint.SafetensorsWriter;
import dev.rlhf4j.core.model.CausalLM;
import dev.rlhf4j.core.train.NamedParameter;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * The critic as a value head on the policy's own trunk ({@code ppo.critic: shared}): values are
 * {@code v_head · h_t} of the policy's hidden states. The head is the critic's only parameter
 * (it gets {@code critic_lr}); the trunk is the policy's, so the value loss also shapes the trunk
 * through the policy's optimizer, as with one shared optimizer over {@code pg_loss + vf_coef ·
 * vf_loss}. Cheaper in memory than a separate critic; the published default is the separate one.
 */
final class PolicyValueHead implements ValueModel {
    static final String FILE = "value_head.safetensors";
    private static final String NAME = "v_head.weight";

    private final CausalLM policy;
    private final NDManager manager;
    private final NDArray head; // (1, C)

    PolicyValueHead(CausalLM policy, long seed) {
        this.policy = policy;
        this.manager = policy.getManager().newSubManager();
        int c = policy.config().hiddenSize();
        float[] w = new float[c];
        Random rng = new Random(seed);
        double std = 1.0 / Math.sqrt(c + 1.0); // as a reward head (PPO-NOTES)
        for (int i = 0; i < c; i++) {
            w[i] = (float) (rng.nextGaussian() * std);
        }
        this.head = manager.create(w, new Shape(1, c));
        head.setRequiresGradient(true);
    }

    @Override
    public NDArray values(NDArray ids, NDArray mask) {
        NDArray hidden = policy.hidden(ids, mask, CausalLM.positionsFromMask(mask), null, false); // (B, S, C)
        NDArray v = Linear.linear(hidden, head).singletonOrThrow(); // (B, S, 1)
        return v.reshape(v.getShape().get(0), v.getShape().get(1)); // (B, S)
    }

    @Override
    public List<NamedParameter> trainableParameters() {
        return List.of(new NamedParameter(NAME, head));
    }

    @Override
    public void save(Path dir) {
        try {
            Files.createDirectories(dir);
            SafetensorsWriter.write(dir.resolve(FILE), List.of(NamedTensor.f32(NAME, head.getShape().getShape(),
                    head.toFloatArray())), Map.of("format", "pt"));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public void loadWeights(Path dir) {
        try (SafetensorsFile f = SafetensorsFile.open(dir.resolve(FILE))) {
            head.set(ModelDirectory.finite(f.readFloats(NAME), NAME, f.path()));
        } catch (IOException e) {
            throw new UncheckedIOException(dir.resolve(FILE) + ": " + e.getMessage(), e);
        }
    }

    @Override
    public void close() {
        manager.close();
    }
}
