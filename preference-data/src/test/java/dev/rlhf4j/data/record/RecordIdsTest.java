package dev.rlhf4j.data.record;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import java.util.List;
import org.junit.jupiter.api.Test;

class RecordIdsTest {

    private static List<Message> u(String s) {
        return List.of(Message.user(s));
    }

    private static List<Message> a(String s) {
        return List.of(Message.assistant(s));
    }

    @Test
    void idIsStableAndContentDerived() {
        String id = RecordIds.id(u("q"), a("x"), a("y"));
        assertEquals(24, id.length());
        assertEquals(id, RecordIds.id(u("q"), a("x"), a("y")));
        assertNotEquals(id, RecordIds.id(u("q"), a("y"), a("x")), "orientation matters");
        assertNotEquals(id, RecordIds.id(u("q"), a("x "), a("y")));
        assertEquals(id, RecordIds.id(u("q"), a("x"), a("y")), "same id on every run");
        assertEquals(RecordIds.id(u("caf\u00e9"), a("x"), a("y")), RecordIds.id(u("cafe\u0301"), a("x"), a("y")), "NFC");
    }

    @Test
    void normalise() {
        assertEquals("hello world", RecordIds.normalise("  Hello\n\t World \u00a0"));
        assertEquals("straße", RecordIds.normalise("STRAßE"));
    }

    @Test
    void pairKeyIgnoresOrientationButRecordsIt() {
        RecordIds.PairKey ab = RecordIds.pairKey(u("Q"), a("A"), a("B"));
        RecordIds.PairKey ba = RecordIds.pairKey(u("q"), a("b "), a(" a"));
        assertEquals(ab.unoriented(), ba.unoriented());
        assertNotEquals(ab.chosenFirst(), ba.chosenFirst());
    }

    @Test
    void jsonRoundTrip() throws Exception {
        PreferenceRecord r = PreferenceRecord.builder().prompt(u("q")).chosen(a("x")).rejected(a("y")).tie(true)
                .margin(1.5).groupId("g").source("s").split("train").label(new Label("w", Preference.TIE, null))
                .meta("k", List.of(1, 2)).build();
        String json = RecordJson.toJson(r);
        assertEquals("{\"id\":\"" + r.id() + "\",\"prompt\":[{\"role\":\"user\",\"content\":\"q\"}],"
                + "\"chosen\":[{\"role\":\"assistant\",\"content\":\"x\"}],\"rejected\":[{\"role\":\"assistant\",\"content\":\"y\"}],"
                + "\"tie\":true,\"margin\":1.5,\"group_id\":\"g\",\"source\":\"s\",\"split\":\"train\",\"annotators\":[\"w\"],"
                + "\"labels\":[{\"annotator\":\"w\",\"preference\":\"tie\"}],\"meta\":{\"k\":[1,2]}}", json);
        assertEquals(r, RecordJson.fromJson(RecordJson.MAPPER.readTree(json)));
    }
}
