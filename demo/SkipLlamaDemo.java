///usr/bin/env jbang "$0" "$@" ; exit $?
//JAVA 25+
//REPOS mavenlocal,mavencentral
//DEPS dev.skipllama:skipllama-skip:0.1.0-SNAPSHOT
//COMPILE_OPTIONS --add-modules jdk.incubator.vector
//JAVA_OPTIONS --add-modules jdk.incubator.vector --enable-native-access=ALL-UNNAMED
/*
 * skipllama in one file: load a model, stream a generation, optionally with a layer-skipping method or
 * self-speculative decoding, and see which tokens needed the whole network.
 *
 *   ./mvnw -q -DskipTests package          # once: builds cli/target/skipllama.jar
 *   java --add-modules jdk.incubator.vector --enable-native-access=ALL-UNNAMED \
 *        -cp cli/target/skipllama.jar demo/SkipLlamaDemo.java [MODEL] [--prompt TEXT] [--tokens N]
 *        [--skip SPEC [--calibration FILE] | --speculate E,D|auto] [--color [always|never|auto] | --no-color]
 *        [--kv-type f32|f16] [--no-warmup]
 *
 * or with jbang, which reads the //DEPS, //JAVA and //*_OPTIONS lines above (the artifacts come from
 * the local Maven repository: run ./mvnw install once first):
 *
 *   jbang demo/SkipLlamaDemo.java --speculate 6,3
 *
 * MODEL is a .gguf file or a Hugging Face checkpoint directory (default: the embedded
 * models/tiny-layerskip). SPEC is any method of `skipllama generate --help`: exit:6, confidence:0.8,
 * last25, unified:1.33, skipdecode:6-12, d3:0.98, adaskip:0.95, and, with --calibration FILE (one
 * passage per line), the planners that learn from text: shortgpt:3, attn-drop:3, router:0.5. Tokens are coloured by the number
 * of layers that predicted them (an early exit, an accepted draft); the full depth stays plain.
 */

import dev.skipllama.skip.SkipMethod;
import dev.skipllama.skip.calibration.Calibration;
import dev.skipllama.skip.SkipMethods;
import dev.skipllama.skip.speculative.Speculation;
import dev.skipllama.tensor.DType;
import dev.skipllama.tensor.cpu.CpuBackend;
import dev.skipllama.transformer.generate.StandardDecoder;
import dev.skipllama.transformer.model.Generation;
import dev.skipllama.transformer.model.Model;
import dev.skipllama.transformer.model.Session;
import dev.skipllama.transformer.model.SessionOptions;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

static final String USAGE = "usage: SkipLlamaDemo.java [MODEL] [--prompt TEXT] [--tokens N]"
        + " [--skip SPEC [--calibration FILE] | --speculate E,D|auto] [--color [always|never|auto] | --no-color] [--kv-type f32|f16]"
        + " [--no-warmup]";

/** A mistake on the command line or a model that does not load: one line saying what, no stack trace. */
void main(String[] args) throws Exception {
    try {
        run(args);
    } catch (IllegalArgumentException e) {
        System.err.println("SkipLlamaDemo: " + e.getMessage() + "\n" + USAGE);
        System.exit(2);
    } catch (java.io.IOException | java.io.UncheckedIOException e) {
        System.err.println("SkipLlamaDemo: " + e.getMessage());
        System.exit(1);
    }
}

void run(String[] args) throws java.io.IOException {
    Map<String, String> opt = new HashMap<>();
    String modelPath = null;
    for (int i = 0; i < args.length; i++) {
        String a = args[i];
        if (a.equals("--color") && i + 1 < args.length && List.of("always", "never", "auto").contains(args[i + 1])) {
            opt.put(args[++i].equals("never") ? "--no-color" : args[i].equals("always") ? "--color" : "--auto-color", ""); // as the CLI spells it
        } else if (a.equals("--no-color") || a.equals("--color") || a.equals("--no-warmup")) {
            opt.put(a, "");
        } else if (List.of("--prompt", "--tokens", "--skip", "--calibration", "--speculate", "--kv-type").contains(a)) {
            if (i + 1 == args.length) {
                throw new IllegalArgumentException("option " + a + " needs a value");
            }
            opt.put(a, args[++i]);
        } else if (a.startsWith("-")) {
            throw new IllegalArgumentException("unknown option " + a);
        } else if (modelPath != null) {
            throw new IllegalArgumentException("one model only, got " + modelPath + " and " + a);
        } else {
            modelPath = a;
        }
    }
    if (opt.containsKey("--skip") && opt.containsKey("--speculate")) {
        throw new IllegalArgumentException("--skip and --speculate do not combine: choose one");
    }
    if (modelPath == null) {
        modelPath = "models/tiny-layerskip";
    }
    String prompt = opt.getOrDefault("--prompt", "Once upon a time");
    String n = opt.getOrDefault("--tokens", "64");
    if (!n.matches("[0-9]{1,6}") || Integer.parseInt(n) == 0) {
        throw new IllegalArgumentException("--tokens " + n + ": expected a whole number from 1 to 999999");
    }
    int tokens = Integer.parseInt(n);
    // f16: the KV cache in half precision, attended with llama.cpp's arithmetic (its default cache)
    DType kvType = switch (opt.getOrDefault("--kv-type", "f32")) {
        case "f32" -> DType.F32;
        case "f16" -> DType.F16;
        default -> throw new IllegalArgumentException("--kv-type " + opt.get("--kv-type") + ": expected f32 or f16");
    };
    boolean color = opt.containsKey("--color")
            || !opt.containsKey("--no-color") && System.console() != null && System.console().isTerminal() && System.getenv("NO_COLOR") == null;

    try (CpuBackend cpu = new CpuBackend();                      // every core; one pool for the whole run
         Model model = Model.load(Path.of(modelPath), cpu)) {     // weights are memory-mapped, not copied
        int layers = model.config().layers();
        int context = Math.min(model.config().contextLength(), model.tokenizer().encode(prompt, true).length + tokens + 16);
        SessionOptions options = SessionOptions.defaults(context).withKvType(kvType);
        SkipMethod method = null;
        if (opt.containsKey("--skip")) {
            // Every skipping method is a policy over the one forward pass; the decoder asks it per layer.
            // Planners that rank layers (shortgpt, attn-drop, ffn-drop, router) measure the model on text first.
            Supplier<Calibration> calibration = () -> {
                try {
                    List<String> text = Files.readAllLines(Path.of(opt.getOrDefault("--calibration", "models/tiny-layerskip/eval/heldout.txt")));
                    return Calibration.measure(model.llama(), Calibration.passages(model.tokenizer(), text, model.config().contextLength()));
                } catch (java.io.IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            };
            SkipMethod m = SkipMethods.parse(opt.get("--skip"), model, calibration);
            options = options.withSkip(m);                       // each session runs its own instance of the method
            method = m;
        } else if (opt.containsKey("--speculate")) {
            // Draft d tokens with the first e layers, verify them with the rest in one batched pass
            // ("auto": e and d chosen as it goes, full decoding where drafts do not pay).
            options = options.withSpeculation(Speculation.parse(opt.get("--speculate")));
        }

        if (!opt.containsKey("--no-warmup")) {
            // The kernels run as SIMD code only once the JIT (C2) has compiled them; before that the
            // prompt and first tokens run 10-50x slower. So: throwaway generations first, at most 3 s.
            model.warmUp(java.time.Duration.ofSeconds(3), kvType);
        }
        try (Session session = model.newSession(options)) {
            System.out.print(prompt);
            Generation g = session.generate(prompt, tokens, (piece, depth) -> {
                System.out.print(color && depth < layers ? paint(piece, depth, layers) : piece);
                System.out.flush();
                return true;                                      // false would stop here
            });
            var s = g.stats();
            System.out.printf("%n%n%d tokens at %.1f tok/s (prompt: %d tokens at %.1f tok/s)%n",
                    s.generatedTokens(), s.decodeTokensPerSecond(), s.promptTokens(), s.prefillTokensPerSecond());
            if (method != null) {
                System.out.printf("%s: %.2f of %d layers per token%n", method.name(), method.stats().generated().layersPerToken(), layers);
            } else if (s.verifyPasses() > 0) {
                System.out.printf("self-speculation: %.1f%% of drafted tokens accepted, %.2f tokens per verification pass%n",
                        100 * s.acceptanceRate(), (double) s.generatedTokens() / s.verifyPasses());
            } else {
                System.out.printf("full model: %d layers per token%n", layers);
            }
            if (color && (method != null || s.verifyPasses() > 0)) {
                StringBuilder legend = new StringBuilder("colour = layers that predicted the token:");
                for (int depth = 1; depth < layers; depth++) {
                    legend.append(' ').append(paint(String.valueOf(depth), depth, layers));
                }
                System.out.println(legend.append(", plain = all ").append(layers));
            }
        }
    }
}

/** Red for the shallowest quarter of the layers, then yellow, cyan, blue (ANSI colours). */
String paint(String piece, int depth, int layers) {
    String[] codes = {"\u001b[31m", "\u001b[33m", "\u001b[36m", "\u001b[34m"};
    return codes[Math.min(3, depth * 4 / layers)] + piece + "\u001b[0m";
}
