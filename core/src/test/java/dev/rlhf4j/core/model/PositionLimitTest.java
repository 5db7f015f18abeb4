package dev.rlhf4j.core.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.rlhf4j.core.checkpoint.ModelDirectory;
import dev.rlhf4j.core.testing.Fixtures;
import org.junit.jupiter.api.Test;

/** A sequence past GPT-2's learned positions is an error naming the limit, not libtorch's "index out of range". */
class PositionLimitTest {

    @Test
    void tooLongASequenceNamesTheLimit() {
        try (NDManager m = NDManager.newBaseManager();
                CausalLM lm = ModelDirectory.loadCausalLM(Fixtures.parityModel("gpt2"), m, true)) {
            assertEquals(64, lm.config().maxPositions());
            NDArray fits = m.ones(new Shape(1, 64)).toType(ai.djl.ndarray.types.DataType.INT64, false);
            assertEquals(new Shape(1, 64, 384), lm.forward(fits, null, null, null, false).logits().getShape());
            NDArray tooLong = m.ones(new Shape(1, 65)).toType(ai.djl.ndarray.types.DataType.INT64, false);
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> lm.forward(tooLong, null, null, null, false));
            assertTrue(e.getMessage().startsWith("a sequence reaches position 64, but the model has 64 learned positions"
                    + " (max_position_embeddings / n_positions in config.json)"), e.getMessage());
        }
    }
}
