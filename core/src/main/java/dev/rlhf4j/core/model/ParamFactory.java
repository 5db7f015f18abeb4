package dev.rlhf4j.core.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/** Creates a model's parameters from a {@link WeightSource}, checking every shape. */
public final class ParamFactory {
    private final WeightSource source;
    private final NDManager manager;
    private final Consumer<Parameter> register;
    private final List<Projection> projections = new ArrayList<>();

    public ParamFactory(WeightSource source, NDManager manager, Consumer<Parameter> register) {
        this.source = source;
        this.manager = manager;
        this.register = register;
    }

    public Parameter create(String name, Shape shape) {
        NDArray array = source.load(name, shape, manager);
        if (!array.getShape().equals(shape)) {
            throw new IllegalArgumentException(
                    "tensor " + name + " has shape " + array.getShape() + "; the config expects " + shape);
        }
        array.setRequiresGradient(true);
        Parameter p = Parameter.builder()
                .setName(name)
                .setType(name.endsWith("bias") ? Parameter.Type.BIAS : Parameter.Type.WEIGHT)
                .optArray(array)
                .build();
        register.accept(p);
        return p;
    }

    /** Records a projection, so that adapters can find it by module name. */
    void registerProjection(Projection p) {
        projections.add(p);
    }

    /** The projections created so far, in model order. */
    List<Projection> projections() {
        return List.copyOf(projections);
    }
}
