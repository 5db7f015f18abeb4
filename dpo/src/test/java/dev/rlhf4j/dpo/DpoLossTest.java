package dev.rlhf4j.dpo;

import static org.junit.jupiter.api.Assertions.assertEquals;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import dev.rlhf4j.core.testing.GcSafeGradients;
import dev.rlhf4j.data.record.Votes;
import dev.rlhf4j.dpo.DpoConfig.LossType;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

class DpoLossTest {

    private static final float[] C = {-12.5f, -8.25f, -20f};
    private static final float[] R = {-11f, -9.5f, -19.75f};
    private static final float[] C_REF = {-12f, -8.5f, -21f};
    private static final float[] R_REF = {-11.5f, -9f, -19f};
    private static final float[] LEN_C = {5, 3, 8};
    private static final float[] LEN_R = {4, 4, 7};

    private static DpoLoss loss(LossType type) {
        double eps = type == LossType.SIGMOID || type == LossType.ROBUST || type == LossType.SIMPO ? 0.1 : 0;
        return new DpoLoss(type, 0.2, eps, 0.5);
    }

    @ParameterizedTest
    @EnumSource(LossType.class)
    void gradientsSurviveAGarbageCollection(LossType type) {
        DpoLoss loss = loss(type);
        GcSafeGradients.assertGradientsSurviveAGarbageCollection(new float[][] {C, R, {0.5f, 0.3f, 0.2f}},
                (m, x) -> {
                    NDArray[] terms = loss.terms(x[0], x[1], m.create(C_REF), m.create(R_REF), m.create(LEN_C),
                            m.create(LEN_R), m.create(LEN_C), m.create(LEN_R));
                    NDArray value = DpoLoss.weighted(terms, x[2], m.create(new float[] {0.1f, 0.2f, 0f}));
                    if (type == LossType.ORPO) {
                        value = value.add(DpoLoss.nll(x[0], x[1], m.create(LEN_C), m.create(LEN_R), x[2],
                                m.create(new float[] {0.1f, 0.2f, 0f})));
                    }
                    return value;
                });
    }

    /** The formulas of the class comment, per pair, in double precision. */
    @ParameterizedTest
    @EnumSource(LossType.class)
    void termsFollowTheFormulasBothWays(LossType type) {
        DpoLoss loss = loss(type);
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray[] terms = loss.terms(m.create(C), m.create(R), m.create(C_REF), m.create(R_REF), m.create(LEN_C),
                    m.create(LEN_R), m.create(LEN_C), m.create(LEN_R));
            float[] forward = terms[0].toFloatArray();
            float[] swapped = terms[1].toFloatArray();
            for (int i = 0; i < C.length; i++) {
                assertEquals(expected(type, C[i], R[i], C_REF[i], R_REF[i], LEN_C[i], LEN_R[i]), forward[i], 1e-5,
                        type.key() + " pair " + i);
                assertEquals(expected(type, R[i], C[i], R_REF[i], C_REF[i], LEN_R[i], LEN_C[i]), swapped[i], 1e-5,
                        type.key() + " swapped pair " + i);
            }
        }
    }

    private static double expected(LossType type, double c, double r, double cRef, double rRef, double lc, double lr) {
        double beta = 0.2;
        double eps = 0.1;
        double delta = (c - cRef) - (r - rRef);
        return switch (type) {
            case SIGMOID -> (1 - eps) * nls(beta * delta) + eps * nls(-beta * delta);
            case ROBUST -> ((1 - eps) * nls(beta * delta) - eps * nls(-beta * delta)) / (1 - 2 * eps);
            case HINGE -> Math.max(0, 1 - beta * delta);
            case IPO -> Math.pow((c - cRef) / lc - (r - rRef) / lr - 1 / (2 * beta), 2);
            case SIMPO -> {
                double z = c / lc - r / lr - 0.5 / beta;
                yield (1 - eps) * nls(beta * z) + eps * nls(-beta * z);
            }
            case ORPO -> {
                double a = c / lc;
                double b = r / lr;
                double logOdds = (a - b) - (Math.log1p(-Math.exp(a)) - Math.log1p(-Math.exp(b)));
                yield beta * nls(logOdds);
            }
        };
    }

    private static double nls(double x) {
        return Math.max(-x, 0) + Math.log1p(Math.exp(-Math.abs(x)));
    }

    @Test
    void votesWeightEachDirectionAndTiesHalfEach() {
        DpoExample a = new DpoExample(new long[] {1}, new long[] {2}, new long[] {3}, new Votes(3, 1, 0), 0, "a");
        DpoExample b = new DpoExample(new long[] {1}, new long[] {4, 5}, new long[] {6}, new Votes(1, 0, 2), 1, "b");
        DpoBatch batch = DpoBatch.collate(List.of(a, b), 0, true);
        assertEquals(7, batch.votes());
        assertEquals(3 / 7f, batch.forWeight()[0], 1e-7);
        assertEquals(1 / 7f, batch.againstWeight()[0], 1e-7);
        assertEquals(2 / 7f, batch.forWeight()[1], 1e-7);
        assertEquals(1 / 7f, batch.againstWeight()[1], 1e-7);
        DpoBatch once = DpoBatch.collate(List.of(a, b), 0, false);
        assertEquals(0.5f, once.forWeight()[0]);
        assertEquals(0f, once.againstWeight()[1]);
        // rows: chosen sequences first; the response tokens are the targets after the prompt
        assertEquals(List.of(1L, 4L, 5L), List.of(batch.ids()[1][0], batch.ids()[1][1], batch.ids()[1][2]));
        assertEquals(List.of(1f, 1f, 0f), List.of(batch.completion()[1][0], batch.completion()[1][1],
                batch.completion()[1][2]));
        assertEquals(2f, batch.completionLength()[1]);
    }
}
