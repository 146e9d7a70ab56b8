package dev.skipllama.cli;

import dev.skipllama.tensor.DType;
import dev.skipllama.transformer.convert.GgufQuantize;
import dev.skipllama.transformer.convert.HfToGguf;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** {@code skipllama convert} (HF checkpoint → GGUF) and {@code skipllama quantize} (GGUF → GGUF in another dtype). */
final class ConvertCommand {
    private static final String TYPES = "F32, F16, BF16, Q8_0, Q4_0";

    private ConvertCommand() {
    }

    static Options convertOptions() {
        return new Options("convert", "CHECKPOINT_DIR OUT.gguf [--type T]", """
                Converts a Hugging Face Llama checkpoint (config.json + safetensors) to GGUF with llama.cpp's names, \
                keys and RoPE layout; its tokenizer (a SentencePiece tokenizer.model, or a Llama-3 byte-level BPE \
                tokenizer.json) becomes the GGUF tokenizer. The file is written under a temporary name and renamed \
                when complete; an output that is one of the checkpoint's files is refused.""")
                .positional("CHECKPOINT_DIR", "directory with config.json and *.safetensors")
                .positional("OUT.gguf", "the file to write")
                .opt("--type", "T", "weight type: " + TYPES, "F16");
    }

    static Options quantizeOptions() {
        return new Options("quantize", "IN.gguf OUT.gguf --type T", """
                Re-encodes a GGUF model's weight matrices in another type (norms stay F32). Start from F32/F16/BF16: \
                quantizing a quantized file adds the rounding errors of both.""")
                .positional("IN.gguf", "the model to read")
                .positional("OUT.gguf", "the file to write")
                .opt("--type", "T", "weight type: " + TYPES, null);
    }

    static int convert(Options.Parsed p, Io io) throws Exception {
        Path dir = Path.of(p.positional(0)), out = Path.of(p.positional(1));
        DType type = type(p.require("--type"));
        if (!Files.isRegularFile(dir.resolve("config.json"))) {
            throw new UsageException(dir + " is not a Hugging Face checkpoint directory (no config.json)");
        }
        Map<String, ?> tokenizer = HfToGguf.tokenizerMetadata(dir); // tokenizer.model, else tokenizer.json
        if (tokenizer.isEmpty()) {
            io.err().println("warning: no tokenizer.model or tokenizer.json in " + dir + "; the GGUF will have no tokenizer");
        }
        List<String> names;
        try (Progress bar = new Progress("converting", "bytes")) {
            names = HfToGguf.convert(dir, out, type, tokenizer, bar);
        }
        io.out().printf(Locale.ROOT, "wrote %s: %d tensors, %s, %.1f MiB%n", out, names.size(), type, Files.size(out) / 1048576.0);
        return 0;
    }

    static int quantize(Options.Parsed p, Io io) throws Exception {
        Path in = Path.of(p.positional(0)), out = Path.of(p.positional(1));
        DType type = type(p.require("--type"));
        int n;
        try (Progress bar = new Progress("quantizing", "bytes")) {
            n = GgufQuantize.quantize(in, out, type, bar);
        }
        io.out().printf(Locale.ROOT, "wrote %s: %d matrices re-encoded as %s, %.1f MiB (input %.1f MiB)%n", out, n, type,
                Files.size(out) / 1048576.0, Files.size(in) / 1048576.0);
        return 0;
    }

    private static DType type(String name) {
        try {
            DType t = DType.valueOf(name.toUpperCase(Locale.ROOT));
            HfToGguf.llamaFileType(t);
            return t;
        } catch (IllegalArgumentException e) {
            throw new UsageException("--type must be one of " + TYPES + ", got '" + name + "'");
        }
    }
}
