package dev.rlhf4j.cli.model;

import dev.rlhf4j.core.checkpoint.PeftAdapter;
import dev.rlhf4j.core.checkpoint.SafetensorsCheckpoint;
import dev.rlhf4j.core.model.ModelConfig;
import dev.rlhf4j.core.model.encoder.EncoderConfig;
import dev.rlhf4j.core.tokenizer.Tokenizer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.stream.Stream;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/** {@code rlhf4j model inspect DIR}, {@code rlhf4j model merge}. */
@Command(name = "model", mixinStandardHelpOptions = true, description = "Look at a Hugging Face model directory; merge a LoRA adapter.",
        subcommands = {ModelCommand.Inspect.class, MergeCommand.class})
public final class ModelCommand {

    /**
     * Reads config.json and validates the weights as loading would (every header, and that each
     * file holds the data its tensors declare), so a truncated download fails here, naming the
     * file and the tensor.
     */
    @Command(name = "inspect", mixinStandardHelpOptions = true, description = "Print the config summary and the parameter count; check the weights files.")
    static final class Inspect implements Callable<Integer> {
        @Parameters(paramLabel = "DIR", description = "model directory (config.json, *.safetensors, tokenizer files)")
        Path dir;

        @Override
        public Integer call() throws Exception {
            if (PeftAdapter.isAdapter(dir)) { // a LoRA adapter: what it is, then its base
                PeftAdapter.Info a = PeftAdapter.read(dir);
                System.out.printf("adapter          PEFT LoRA, %s, r %d, alpha %s, dropout %s%s%n", a.taskType(),
                        a.lora().r(), a.lora().alpha(), a.lora().dropout(), a.lora().useRslora() ? ", rslora" : "");
                System.out.printf("target modules   %s%n", a.lora().targetModules());
                if (!a.modulesToSave().isEmpty()) {
                    System.out.printf("modules to save  %s%n", a.modulesToSave());
                }
                System.out.printf("base             %s%n", a.base());
                dir = PeftAdapter.baseOf(dir, null);
            }
            EncoderConfig e = EncoderConfig.isEncoder(dir) ? EncoderConfig.read(dir) : null;
            ModelConfig c = e == null ? ModelConfig.read(dir) : null;
            long tensors;
            long elements = 0;
            long bytes = 0;
            List<Path> weightFiles;
            try (SafetensorsCheckpoint weights = SafetensorsCheckpoint.open(dir)) {
                tensors = weights.names().size();
                for (String name : weights.names()) {
                    elements += weights.info(name).elementCount();
                    bytes += weights.info(name).byteSize();
                }
                weightFiles = weights.files();
            }
            if (e != null) {
                printEncoder(e);
            } else {
                printDecoder(c);
            }
            System.out.printf("weights          %,d tensors, %,d values, %,d bytes in %d file(s), data complete%n", tensors,
                    elements, bytes, weightFiles.size());
            if (Files.exists(dir.resolve("tokenizer.json"))) {
                try (Tokenizer tok = Tokenizer.load(dir)) {
                    System.out.printf("tokens           bos %d, eos %s, pad %d%s%n", tok.bosId(), tok.eosIds(), tok.padId(),
                            tok.hasPadToken() ? "" : " (eos, no pad token)");
                }
            }
            try (Stream<Path> files = Files.list(dir)) {
                System.out.println("files            " + files.map(p -> p.getFileName().toString()).sorted().toList());
            }
            return 0;
        }

        private static void printDecoder(ModelConfig c) {
                System.out.printf("model_type       %s (%s family)%n", c.modelType(), c.family().name().toLowerCase());
                System.out.printf("parameters       %,d%n", c.parameterCount());
                System.out.printf("layers           %d%n", c.numLayers());
                System.out.printf("hidden           %d (heads %d, kv heads %d, head dim %d)%n", c.hiddenSize(), c.numHeads(),
                        c.numKvHeads(), c.headDim());
                System.out.printf("mlp              %d%n", c.intermediateSize());
                System.out.printf("vocab            %d%n", c.vocabSize());
                System.out.printf("max positions    %d%n", c.maxPositions());
                System.out.printf("tied embeddings  %s%n", c.tieEmbeddings());
                System.out.printf("dtype            %s%n", c.dtype());
                if (c.family() == ModelConfig.Family.LLAMA) {
                    System.out.printf("rope theta       %.1f%n", c.ropeTheta());
                }
        }

        /** An encoder (BERT, RoBERTa, DeBERTa-v2/v3): rlhf4j reads it as a reward model only. */
        private static void printEncoder(EncoderConfig e) {
            System.out.printf("model_type       %s (encoder, %s; a reward model only)%n", e.modelType(),
                    e.family().architecture());
            System.out.printf("layers           %d%n", e.numLayers());
            System.out.printf("hidden           %d (heads %d, head dim %d)%n", e.hiddenSize(), e.numHeads(), e.headDim());
            System.out.printf("mlp              %d (%s)%n", e.intermediateSize(), e.hiddenAct());
            System.out.printf("vocab            %d (token types %d)%n", e.vocabSize(), e.typeVocabSize());
            System.out.printf("max positions    %d (max input %d tokens)%n", e.maxPositions(), e.maxLength());
            if (e.family() == EncoderConfig.Family.DEBERTA_V2 && e.relativeAttention()) {
                System.out.printf("attention        disentangled %s%s, span %d%s%s%n", e.c2p() ? "c2p " : "",
                        e.p2c() ? "p2c" : "", e.attentionSpan(), e.shareAttKey() ? ", shared keys" : "",
                        e.positionBiasedInput() ? ", absolute positions" : "");
            }
            System.out.printf("labels           %d%n", e.numLabels());
            System.out.printf("dtype            %s%n", e.dtype());
        }
    }
}
