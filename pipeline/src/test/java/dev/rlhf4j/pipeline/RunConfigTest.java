package dev.rlhf4j.pipeline;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.rlhf4j.core.config.ConfigException;
import dev.rlhf4j.core.config.ConfigFile;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

class RunConfigTest {

    static Stream<Path> configs() throws IOException {
        Path dir = Path.of("").toAbsolutePath();
        while (!Files.isDirectory(dir.resolve("configs"))) {
            dir = dir.getParent();
        }
        return Files.list(dir.resolve("configs")).filter(p -> p.toString().endsWith(".yaml")).sorted().toList().stream();
    }

    /** Every shipped config binds: all keys known, all values valid. */
    @ParameterizedTest
    @MethodSource("configs")
    void shippedConfigsAreValid(Path config) {
        RunConfig run = new RunConfig(ConfigFile.load(config, List.of()), Path.of("/tmp/run"));
        assertTrue(run.stages().contains(Stage.PPO), config.toString());
        assertNotNull(run.ppo());
    }

    @Test
    void stagesChainByPathAndShareTheSeed() throws IOException {
        RunConfig run = new RunConfig(ConfigFile.load(configs().findFirst().orElseThrow(), List.of("seed=9")), Path.of("/r"));
        assertEquals(run.sft().output().toString(), run.rewardModel().init().toString());
        assertEquals(run.sft().output().toString(), run.ppo().policy());
        assertEquals(run.rewardModel().output().toString(), run.ppo().rewardModel());
        assertEquals(9L, run.ppo().seed());
    }

    @Test
    void dpoChainsItsModelFromSftAndItsDataFromTheDataStage() throws IOException {
        RunConfig run = new RunConfig(ConfigFile.load(configs().findFirst().orElseThrow(),
                List.of("seed=9", "dpo.loss_type=ipo")), Path.of("/r"));
        assertTrue(run.stages().contains(Stage.DPO));
        assertEquals(run.sft().output(), run.dpo().model());
        assertEquals(run.sft().output(), run.dpo().reference(), "the reference defaults to the starting model");
        assertEquals(List.of(Path.of("/r/data/train.jsonl")), run.dpo().data());
        assertEquals(List.of(Path.of("/r/data/test.jsonl")), run.dpo().evalData());
        assertEquals(Path.of("/r/dpo/model"), run.dpo().output());
        assertEquals(9L, run.dpo().seed());
        assertEquals(dev.rlhf4j.dpo.DpoConfig.LossType.IPO, run.dpo().lossType());
        assertEquals(Stage.DPO, Stage.parse("--only", "dpo"));
    }

    @Test
    void everyConfigErrorIsReportedBeforeAnyWork(@TempDir Path tmp) throws IOException {
        Path file = tmp.resolve("bad.yaml");
        Files.writeString(file, """
                name: bad
                trainig: {}
                sft: {model: m, data: d, training: {lr: -1}}
                ppo: {prompts: p, policy: x, reward_model: y, clip_range: 1.5}
                """);
        ConfigException e = assertThrows(ConfigException.class, () -> new RunConfig(ConfigFile.load(file, List.of()), tmp));
        String msg = e.getMessage();
        assertTrue(msg.contains(file + ": unknown key trainig; accepted keys: data, demo, dpo, eval, name, ppo, reward_model, runs_dir, seed, sft"), msg);
        assertTrue(msg.contains(file + ": sft.training.lr must be > 0, but is: -1.0"), msg);
        assertTrue(msg.contains(file + ": ppo.clip_range must be > 0 and <= 1, but is: 1.5"), msg);
    }

    @Test
    void badEnumNamesTheKeyOnce(@TempDir Path tmp) throws IOException {
        Path file = tmp.resolve("bad.yaml");
        Files.writeString(file, "sft: {model: m, data: d, output: " + tmp.resolve("o") + ", training: {schedule: weekly}}\n");
        ConfigException e = assertThrows(ConfigException.class, () -> new RunConfig(ConfigFile.load(file, List.of()), tmp));
        assertEquals(file + ": sft.training.schedule must be one of constant, linear, cosine, but is: weekly", e.getMessage());
    }

    @Test
    void badValueNamesTheKeyAndTheAcceptedValues(@TempDir Path tmp) throws IOException {
        Path file = tmp.resolve("bad.yaml");
        Files.writeString(file, "ppo: {prompts: p, policy: x, reward_model: y, kl_estimator: k2}\n");
        ConfigException e = assertThrows(ConfigException.class, () -> new RunConfig(ConfigFile.load(file, List.of()), tmp));
        assertEquals(file + ": ppo.kl_estimator must be one of k1, k3, abs, but is: k2", e.getMessage());
    }


    /**
     * Every input of the stages to run is checked before the first starts: a missing PPO prompt
     * file stops the run before SFT, while the SFT model PPO starts from (written by the SFT stage
     * of the same run) need not exist yet.
     */
    @Test
    void missingInputsAreReportedBeforeAnyStageRuns(@TempDir Path tmp) throws IOException {
        Path data = Files.writeString(tmp.resolve("sft.jsonl"), "{\"prompt\": \"a\", \"completion\": \" b\"}\n");
        Path file = tmp.resolve("run.yaml");
        Files.writeString(file, """
                name: inputs
                sft: {model: %s, data: %s, training: {max_steps: 1}}
                reward_model: {data: [%s]}
                ppo: {prompts: %s}
                """.formatted(dev.rlhf4j.core.testing.Fixtures.parityModel("gpt2"), data, tmp.resolve("prefs.jsonl"),
                tmp.resolve("missing-prompts.jsonl")));
        RunConfig run = new RunConfig(ConfigFile.load(file, List.of()), tmp.resolve("run"));
        ConfigException e = assertThrows(ConfigException.class,
                () -> runStages(run, java.util.EnumSet.allOf(Stage.class)));
        assertEquals(file + ": reward_model.data: no such file: " + tmp.resolve("prefs.jsonl") + "\n"
                + file + ": ppo.prompts: no such file: " + tmp.resolve("missing-prompts.jsonl"), e.getMessage(),
                "sft.output (the reward model's init and PPO's policy) is written by the run itself");
        assertTrue(!Files.exists(tmp.resolve("run/sft")), "no stage started");
        ConfigException ppoOnly = assertThrows(ConfigException.class,
                () -> runStages(run, java.util.EnumSet.of(Stage.PPO)));
        assertTrue(ppoOnly.getMessage().contains("ppo.policy: no such directory: " + run.sft().output()), ppoOnly.getMessage());
    }

    /** An encoder reward model cannot start the critic: said before SFT and the reward model spend their time. */
    @Test
    void anEncoderRewardModelAsTheCriticIsRefusedBeforeAnyStageRuns(@TempDir Path tmp) throws IOException {
        Path data = Files.writeString(tmp.resolve("sft.jsonl"), "{\"prompt\": \"a\", \"completion\": \" b\"}\n");
        Path prefs = Files.writeString(tmp.resolve("prefs.jsonl"), "");
        Path prompts = Files.writeString(tmp.resolve("prompts.jsonl"), "{\"prompt\": \"a\"}\n");
        Path bert = dev.rlhf4j.core.testing.Fixtures.path("encoders/bert");
        Path file = tmp.resolve("run.yaml");
        String yaml = """
                name: encoder
                sft: {model: %s, data: %s, training: {max_steps: 1}}
                reward_model: {init: %s, data: [%s]}
                ppo: {prompts: %s, critic: %s}
                """;
        Files.writeString(file, yaml.formatted(dev.rlhf4j.core.testing.Fixtures.parityModel("gpt2"), data, bert, prefs,
                prompts, "reward_model"));
        RunConfig run = new RunConfig(ConfigFile.load(file, List.of()), tmp.resolve("run"));
        ConfigException e = assertThrows(ConfigException.class, () -> runStages(run, java.util.EnumSet.allOf(Stage.class)));
        assertEquals(file + ": ppo.critic: reward_model, but the reward model (" + bert + ") is an encoder, which cannot"
                + " be a critic (it reads whole texts, not a value per policy token); set ppo.critic: policy or shared",
                e.getMessage());
        assertTrue(!Files.exists(tmp.resolve("run/sft")), "no stage started");
        Files.writeString(file, yaml.formatted(dev.rlhf4j.core.testing.Fixtures.parityModel("gpt2"), data, bert, prefs,
                prompts, "policy"));
        RunConfig fine = new RunConfig(ConfigFile.load(file, List.of()), tmp.resolve("run"));
        assertTrue(RunInputs.missing(fine, java.util.EnumSet.allOf(Stage.class)).isEmpty());
    }

    @Test
    void topLevelKeysHaveTheirType(@TempDir Path tmp) throws IOException {
        Path file = tmp.resolve("bad.yaml");
        Files.writeString(file, "name: [a, b]\nseed: abc\nruns_dir: {x: 1}\nsft: {model: m, data: d, training: {batch_size: 8.5}}\n");
        ConfigException e = assertThrows(ConfigException.class, () -> new RunConfig(ConfigFile.load(file, List.of()), null));
        assertEquals(String.join("\n",
                file + ": name must be a string, but is: [\"a\",\"b\"]",
                file + ": seed must be an integer, but is: abc",
                file + ": runs_dir must be a string, but is: {\"x\":1}",
                file + ": sft.training.batch_size must be an integer, but is: 8.5"), e.getMessage());
        ConfigException f = assertThrows(ConfigException.class,
                () -> new RunConfig(ConfigFile.load(file, List.of("name=n", "runs_dir=r", "seed=7.5", "sft.training.batch_size=8")), null));
        assertEquals(file + ": seed must be an integer, but is: 7.5", f.getMessage());
    }

    /** A run name or a stage output that leaves runs_dir is refused, key and value named; absolute paths are taken as meant. */
    @Test
    void namesAndOutputsThatLeaveTheRunsDirectoryAreRefused(@TempDir Path tmp) throws IOException {
        Path file = tmp.resolve("escape.yaml");
        Path runs = tmp.resolve("runs");
        Files.writeString(file, "name: ../../x\nruns_dir: " + runs + "\nsft: {model: m, data: d, output: ../victim}\n"
                + "ppo: {prompts: p, policy: x, reward_model: y, output: \"${run}/../ppo\"}\n");
        ConfigException e = assertThrows(ConfigException.class, () -> new RunConfig(ConfigFile.load(file, List.of()), null));
        Path cwd = Path.of("").toAbsolutePath();
        assertEquals(List.of(
                file + ": name must stay inside runs_dir (" + runs + ") or be an absolute path, but is: ../../x (that is "
                        + tmp.getParent().resolve("x") + ")",
                file + ": sft.output must stay inside runs_dir (" + runs + ") or be an absolute path, but is: ../victim"
                        + " (that is " + cwd.getParent().resolve("victim") + ")",
                file + ": ppo.output must stay inside runs_dir (" + runs + ") or be an absolute path, but is:"
                        + " ${run}/../ppo (that is " + tmp.getParent().resolve("ppo") + ")"),
                List.of(e.getMessage().split("\n")));

        // inside runs_dir, or absolute on purpose: accepted
        Files.writeString(file, "name: x\nruns_dir: " + runs + "\nsft: {model: m, data: d, output: " + runs
                + "/shared/sft}\nppo: {prompts: p, policy: x, reward_model: y, output: " + tmp.resolve("elsewhere/ppo")
                + "}\n");
        RunConfig ok = new RunConfig(ConfigFile.load(file, List.of()), null);
        assertEquals(runs.resolve("x"), ok.runDir());
        assertEquals(tmp.resolve("elsewhere/ppo").toString(), ok.ppo().output());
        // with a run directory given, its outputs must stay inside it
        ConfigException given = assertThrows(ConfigException.class, () -> new RunConfig(ConfigFile.load(file,
                List.of("sft.output=${run}/../other")), tmp.resolve("run")));
        assertEquals(file + ": sft.output must stay inside the run directory (" + tmp.resolve("run") + ") or be an"
                + " absolute path, but is: ${run}/../other (that is " + tmp.resolve("other") + ")", given.getMessage());
    }


    private static void runStages(RunConfig run, java.util.Set<Stage> stages) throws IOException {
        try (Pipeline p = Pipeline.open(run, List.of())) {
            p.run(stages, false);
        }
    }
}
