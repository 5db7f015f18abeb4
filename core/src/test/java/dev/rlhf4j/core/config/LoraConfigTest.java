package dev.rlhf4j.core.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
import org.junit.jupiter.api.Test;

class LoraConfigTest {

    @Test
    void defaultsArePefts() {
        LoraConfig c = new LoraConfig(null, null, null, null, null, null);
        assertEquals(8, c.r());
        assertEquals(1.0, c.scaling());
        assertEquals(0.0, c.dropout());
        assertEquals("none", c.bias());
        assertEquals(2.0, new LoraConfig(16, 32.0, null, null, null, null).scaling());
        assertEquals(8.0, new LoraConfig(16, 32.0, null, null, null, true).scaling(), "rslora: alpha / sqrt(r)");
    }

    @Test
    void badValuesNameTheKey() {
        assertEquals("lora.r must be > 0, but is: 0", message(() -> new LoraConfig(0, null, null, null, null, null)));
        assertEquals("lora.bias must be none (biases stay frozen, PEFT's default), but is: all",
                message(() -> new LoraConfig(null, null, null, null, "all", null)));
        assertEquals("lora.target_modules: qproj is not a linear module of a supported family (llama, qwen2, mistral:"
                        + " down_proj, gate_proj, k_proj, o_proj, q_proj, up_proj, v_proj; gpt2: c_attn, c_fc, c_proj;"
                        + " or all-linear)",
                message(() -> new LoraConfig(null, null, null, List.of("qproj"), null, null)));
        assertEquals("lora.target_modules: all-linear stands alone, but the list is: [all-linear, q_proj]",
                message(() -> new LoraConfig(null, null, null, List.of("all-linear", "q_proj"), null, null)));
    }

    private static String message(Runnable r) {
        return assertThrows(IllegalArgumentException.class, r::run).getMessage();
    }
}
