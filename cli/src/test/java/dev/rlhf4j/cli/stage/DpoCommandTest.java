package dev.rlhf4j.cli.stage;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.rlhf4j.cli.Rlhf4j;
import dev.rlhf4j.core.testing.Fixtures;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** {@code rlhf4j dpo}: {@code pipeline --only dpo} of a config's dpo: section. */
class DpoCommandTest {

    @TempDir
    Path tmp;

    private Path config() throws IOException {
        Path data = Files.write(tmp.resolve("prefs.jsonl"), List.of(
                "{\"prompt\": \"Who keeps the bees?\", \"chosen\": \" The old miller.\", \"rejected\": \" Nobody.\"}",
                "{\"prompt\": \"Where is the mill?\", \"chosen\": \" By the river.\", \"rejected\": \" Far.\"}"));
        return Files.writeString(tmp.resolve("run.yaml"), "dpo:\n  model: " + Fixtures.parityModel("gpt2")
                + "\n  data: [" + data + "]\n  output: " + tmp.resolve("dpo/model")
                + "\n  training: {batch_size: 2, max_steps: 2, lr: 1.0e-3}\n");
    }

    @Test
    void trainsFromAConfigFile() throws IOException {
        Path cfg = config();
        Path runDir = tmp.resolve("run");
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine cli = Rlhf4j.commandLine();
        cli.setOut(new PrintWriter(out, true));
        cli.setErr(new PrintWriter(err, true));
        assertEquals(0, cli.execute("dpo", "-c", cfg.toString(), "--run-dir", runDir.toString()), err.toString());
        assertTrue(out.toString().startsWith("dpo: sigmoid, 2 steps, loss "), out.toString());
        assertTrue(Files.exists(tmp.resolve("dpo/model/model.safetensors")));
        assertTrue(Files.exists(runDir.resolve("dpo/done.json")));
        assertTrue(Files.readString(runDir.resolve("dpo/metrics.jsonl")).contains("\"rewards/accuracies\""));
    }

    @Test
    void badLossTypeIsAConfigErrorNamingTheKey() throws IOException {
        Path cfg = config();
        StringWriter err = new StringWriter();
        CommandLine cli = Rlhf4j.commandLine();
        cli.setErr(new PrintWriter(err, true));
        assertEquals(2, cli.execute("dpo", "-c", cfg.toString(), "--set", "dpo.loss_type=kto"));
        assertEquals("rlhf4j dpo: " + cfg + ": dpo.loss_type must be one of sigmoid, ipo, hinge, robust, simpo, orpo,"
                + " but is: kto", err.toString().trim());
    }
}
