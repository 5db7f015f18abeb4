package dev.rlhf4j.core.train;

import static dev.rlhf4j.core.train.TestParams.assertClose;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import ai.djl.nn.SequentialBlock;
import ai.djl.nn.core.Linear;
import ai.djl.training.GradientCollector;
import ai.djl.training.ParameterStore;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class GradAccumulatorTest {

    /** What the accumulator relies on: DJL's PyTorch engine never zeroes gradients by itself. */
    @Test
    void djlPyTorchGradientsAddUpAcrossBackwardsAndCollectors() {
        try (NDManager manager = NDManager.newBaseManager()) {
            NamedParameter p = TestParams.param(manager, "p", new float[] {1, 2}, 2);
            assertNull(Gradients.of(p.array()), "no gradient before the first backward");
            try (GradientCollector c = Engine.getInstance().newGradientCollector()) {
                c.backward(manager.create(new float[] {1, 1}).mul(p.array()).sum());
                c.backward(manager.create(new float[] {2, 3}).mul(p.array()).sum()); // same collector: adds
            }
            assertArrayEquals(new float[] {3, 4}, TestParams.gradient(p));
            try (GradientCollector c = Engine.getInstance().newGradientCollector()) { // new collector: still adds
                c.backward(manager.create(new float[] {10, 10}).mul(p.array()).sum());
            }
            assertArrayEquals(new float[] {13, 14}, TestParams.gradient(p));
            try (NDArray g = Gradients.of(p.array())) { // the handle shares storage with tensor.grad
                g.muli(0.5f);
            }
            assertArrayEquals(new float[] {6.5f, 7}, TestParams.gradient(p));
            TestParams.setGradients(manager, List.of(p), List.of(new float[] {Float.NaN, Float.POSITIVE_INFINITY}));
            Gradients.zero(p.array());
            assertArrayEquals(new float[] {0, 0}, TestParams.gradient(p), "zero() clears NaN and Inf");
        }
    }

    @Test
    void fourMicroBatchesOfTwoEqualOneBatchOfEight() {
        try (NDManager manager = NDManager.newBaseManager()) {
            Engine.getInstance().setRandomSeed(5);
            SequentialBlock mlp = new SequentialBlock()
                    .add(Linear.builder().setUnits(16).build())
                    .add(Activation.reluBlock())
                    .add(Linear.builder().setUnits(3).build());
            mlp.initialize(manager, DataType.FLOAT32, new Shape(8, 5));
            List<NamedParameter> params = NamedParameter.trainable(mlp.getParameters());
            assertEquals(4, params.size());
            ParameterStore store = new ParameterStore(manager, false);
            NDArray x = manager.randomNormal(new Shape(8, 5));
            NDArray y = manager.randomNormal(new Shape(8, 3));

            GradAccumulator full = new GradAccumulator(1);
            float fullLoss = full.backward(() -> mse(mlp, store, x, y));
            List<float[]> fullGrads = new ArrayList<>();
            for (NamedParameter p : params) {
                fullGrads.add(TestParams.gradient(p));
                Gradients.zero(p.array());
            }

            GradAccumulator acc = new GradAccumulator(4);
            float lossSum = 0;
            for (int i = 0; i < 4; i++) {
                NDIndex rows = new NDIndex(i * 2 + ":" + (i * 2 + 2));
                assertFalse(acc.isComplete());
                lossSum += acc.backward(() -> mse(mlp, store, x.get(rows), y.get(rows)));
            }
            assertTrue(acc.isComplete());
            assertEquals(fullLoss, lossSum / 4, 1e-6);
            for (int i = 0; i < params.size(); i++) {
                assertClose(fullGrads.get(i), TestParams.gradient(params.get(i)), 1e-6, params.get(i).name());
            }
            assertEquals("gradient accumulation already has 4 of 4 micro-batches: step the optimizer and reset() first",
                    assertThrows(IllegalArgumentException.class, () -> acc.backward(() -> mse(mlp, store, x, y)))
                            .getMessage());
            acc.reset();
            assertEquals(0, acc.count());
        }
    }

    private static NDArray mse(SequentialBlock mlp, ParameterStore store, NDArray x, NDArray y) {
        NDArray pred = mlp.forward(store, new NDList(x), true).singletonOrThrow(); // (B, 3)
        return pred.sub(y).square().mean();
    }
}
