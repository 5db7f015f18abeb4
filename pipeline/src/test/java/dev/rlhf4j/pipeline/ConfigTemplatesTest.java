package dev.rlhf4j.pipeline;

import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.annotation.JsonProperty;
import dev.rlhf4j.core.config.TrainingConfig;
import dev.rlhf4j.dpo.DpoConfig;
import dev.rlhf4j.ppo.PpoConfig;
import dev.rlhf4j.rm.train.RewardModelConfig;
import dev.rlhf4j.sft.SftConfig;
import java.io.IOException;
import java.lang.reflect.RecordComponent;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The config templates stay in sync with the config records: every key of every section is shown. */
class ConfigTemplatesTest {

    @ParameterizedTest
    @ValueSource(strings = {"gpt2-small.yaml", "llama-style.yaml"})
    void everyKeyOfEveryRecordIsInTheTemplate(String name) throws IOException {
        Path dir = Path.of("").toAbsolutePath();
        while (!Files.isDirectory(dir.resolve("configs"))) {
            dir = dir.getParent();
        }
        String template = Files.readString(dir.resolve("configs").resolve(name));
        List<String> missing = new ArrayList<>();
        for (Class<?> type : List.of(DataConfig.class, SftConfig.class, TrainingConfig.class, RewardModelConfig.class,
                DpoConfig.class, PpoConfig.class, EvalConfig.class)) {
            for (RecordComponent c : type.getRecordComponents()) {
                String key = c.getAccessor().getAnnotation(JsonProperty.class) != null
                        ? c.getAccessor().getAnnotation(JsonProperty.class).value()
                        : c.getAnnotation(JsonProperty.class) != null ? c.getAnnotation(JsonProperty.class).value() : c.getName();
                if (!Pattern.compile("(?m)^[ #]*" + Pattern.quote(key) + ":").matcher(template).find()) {
                    missing.add(type.getSimpleName() + "." + key);
                }
            }
        }
        assertTrue(missing.isEmpty(), name + " lacks keys: " + missing);
    }
}
