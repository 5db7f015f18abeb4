package dev.rlhf4j.core.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.fasterxml.jackson.databind.JsonNode;
import dev.rlhf4j.core.testing.Fixtures;
import java.util.Iterator;
import java.util.Map;
import org.junit.jupiter.api.Test;

class LrScheduleTest {

    @Test
    void matchesTransformersSchedulersAtEveryRecordedStep() {
        JsonNode fixture = Fixtures.readJson(Fixtures.path("train/schedules.json"));
        int checked = 0;
        for (JsonNode c : fixture.get("cases")) {
            LrSchedule schedule = new LrSchedule(LrSchedule.Kind.valueOf(c.get("kind").asText().toUpperCase()),
                    c.get("peak_lr").asDouble(), c.get("warmup_steps").asLong(), c.get("total_steps").asLong());
            for (Iterator<Map.Entry<String, JsonNode>> it = c.get("lr").fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> e = it.next();
                long step = Long.parseLong(e.getKey());
                assertEquals(e.getValue().asDouble(), schedule.lr(step), 0.0, schedule + " at step " + step);
                checked++;
            }
        }
        assertEquals(9 * 14, checked);
    }

    @Test
    void warmupStartsAtZeroAndReachesPeak() {
        LrSchedule s = LrSchedule.cosine(1e-3, 4, 20);
        assertEquals(0.0, s.lr(0));
        assertEquals(5e-4, s.lr(2), 1e-18);
        assertEquals(1e-3, s.lr(4));
        assertEquals(0.0, s.lr(20));
        assertEquals(0.0, LrSchedule.linear(1e-3, 0, 10).lr(25));
    }

    @Test
    void rejectsBadValuesNamingTheKey() {
        assertEquals("lr must be > 0, but is: -1",
                assertThrows(IllegalArgumentException.class, () -> LrSchedule.constant(-1, 0)).getMessage());
        assertEquals("warmup_steps must be >= 0, but is: -2",
                assertThrows(IllegalArgumentException.class, () -> LrSchedule.linear(1e-4, -2, 10)).getMessage());
    }
}
