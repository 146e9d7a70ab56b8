package dev.skipllama.transformer.convert;

import dev.skipllama.tensor.DType;
import dev.skipllama.tensor.Dequantize;
import dev.skipllama.tensor.Quantize;
import dev.skipllama.tensor.Tensor;
import dev.skipllama.transformer.ProgressListener;
import dev.skipllama.transformer.gguf.GgufArray;
import dev.skipllama.transformer.gguf.GgufValue;
import dev.skipllama.transformer.gguf.GgufWriter;
import dev.skipllama.transformer.io.FileStamp;
import dev.skipllama.transformer.io.OutputFile;
import dev.skipllama.transformer.io.RegularFiles;
import dev.skipllama.transformer.safetensors.SafetensorsCheckpoint;
import dev.skipllama.transformer.tokenizer.GgufTokenizerMetadata;
import dev.skipllama.transformer.tokenizer.Tokenizers;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.IntUnaryOperator;

/**
 * Converts a Hugging Face Llama checkpoint ({@code config.json} + safetensors, single or sharded) to
 * a GGUF file that llama.cpp's {@code llama} architecture loads: llama.cpp's metadata keys and
 * tensor names, Q/K rows permuted for GGML's interleaved RoPE ({@link RopePermute}), and for
 * {@code rope_scaling.rope_type = "llama3"} the {@code rope_freqs.weight} tensor of per-frequency
 * factors llama.cpp's converter computes.
 *
 * <p><b>Types.</b> Two-dimensional weights (including {@code token_embd} and {@code output}) are
 * stored in the requested type (F32, F16, BF16, Q8_0 or Q4_0); a weight whose rows are not a
 * multiple of the 32-element block falls back to F16, as llama.cpp's converter does. One-dimensional
 * tensors (norms) and {@code rope_freqs} stay F32.
 *
 * <p>Tensors are converted one at a time while the file is written, so memory use is about one
 * tensor, never the model. Tokenizer metadata ({@code tokenizer.ggml.*}) is not derived here: the
 * caller passes it (values as {@link GgufWriter#put(String, Object)} takes them; wrap integers in
 * {@link GgufValue} to give llama.cpp's types, e.g. {@code GgufValue.uint32(bos)}).
 */
public final class HfToGguf {
    private HfToGguf() {
    }

    /**
     * Usage: {@code HfToGguf <checkpoint-dir> <out.gguf> [F32|F16|BF16|Q8_0|Q4_0]}. A SentencePiece
     * {@code tokenizer.model} in the checkpoint is written as {@code tokenizer.ggml.*} metadata, so
     * the file is complete for llama.cpp.
     */
    public static void main(String[] args) throws IOException {
        if (args.length < 2 || args.length > 3) {
            System.err.println("usage: HfToGguf <checkpoint-dir> <out.gguf> [F32|F16|BF16|Q8_0|Q4_0]");
            System.exit(2);
        }
        DType type = args.length == 3 ? DType.valueOf(args[2]) : DType.F16;
        Path dir = Path.of(args[0]);
        Map<String, ?> tokenizer = tokenizerMetadata(dir);
        if (tokenizer.isEmpty()) {
            System.err.println("warning: no tokenizer.model or tokenizer.json in " + dir + "; the GGUF will have no tokenizer");
        }
        List<String> names = convert(dir, Path.of(args[1]), type, tokenizer);
        System.out.println("wrote " + names.size() + " tensors (" + type + ") to " + args[1]);
    }

    /**
     * The {@code tokenizer.ggml.*} keys for the checkpoint's tokenizer ({@link Tokenizers#inCheckpoint}:
     * a SentencePiece {@code tokenizer.model} or a byte-level BPE {@code tokenizer.json}), or an empty
     * map when it has neither.
     */
    public static Map<String, GgufValue> tokenizerMetadata(Path checkpointDir) throws IOException {
        if (!Files.exists(checkpointDir.resolve("tokenizer.model")) && !Files.exists(checkpointDir.resolve("tokenizer.json"))) {
            return Map.of();
        }
        try {
            return GgufTokenizerMetadata.of(Tokenizers.load(checkpointDir));
        } catch (RuntimeException e) {
            throw new IOException(e.getMessage(), e);
        }
    }

    /** llama.cpp's {@code general.file_type} (LLAMA_FTYPE) for a file whose weights are all {@code type}. */
    public static int llamaFileType(DType type) {
        return switch (type) {
            case F32 -> 0;
            case F16 -> 1;
            case Q4_0 -> 2;
            case Q8_0 -> 7;
            case BF16 -> 32;
            default -> throw new IllegalArgumentException("cannot convert to " + type + "; use F32, F16, BF16, Q8_0 or Q4_0");
        };
    }

    /**
     * Converts {@code checkpointDir} (holding {@code config.json} and the safetensors) to {@code out}.
     *
     * @param weightType     type of the 2-D weights
     * @param extraMetadata  more keys to write after the model's, typically the tokenizer's; a key
     *                       the converter writes itself is an error
     * @return the GGUF tensor names written, in file order
     */
    public static List<String> convert(Path checkpointDir, Path out, DType weightType, Map<String, ?> extraMetadata)
            throws IOException {
        return convert(checkpointDir, out, weightType, extraMetadata, ProgressListener.NONE);
    }

    /** The same, reporting bytes written. */
    public static List<String> convert(Path checkpointDir, Path out, DType weightType, Map<String, ?> extraMetadata,
                                       ProgressListener progress) throws IOException {
        int fileType = llamaFileType(weightType);
        Path configFile = checkpointDir.resolve("config.json");
        RegularFiles.require(configFile, "config.json");
        HfLlamaConfig cfg = HfLlamaConfig.read(configFile);
        if (extraMetadata.get("tokenizer.ggml.tokens") instanceof GgufValue tokens && tokens.value() instanceof GgufArray<?> list
                && list.size() != cfg.vocabSize()) {
            // llama.cpp refuses a file whose tokenizer and embedding differ in size; so would our loader
            throw new IOException(checkpointDir + ": the tokenizer has " + list.size() + " tokens but config.json's vocab_size is "
                    + cfg.vocabSize() + "; they must be equal");
        }
        try (SafetensorsCheckpoint ckpt = SafetensorsCheckpoint.open(checkpointDir)) {
            List<Path> inputs = new ArrayList<>(List.of(checkpointDir, configFile, ckpt.source()));
            ckpt.files().forEach(f -> inputs.add(f.path()));
            for (String name : new String[]{"tokenizer.model", "tokenizer.json", "tokenizer_config.json"}) {
                inputs.add(checkpointDir.resolve(name));
            }
            OutputFile.checkNotInput(out, inputs); // before any byte is written: the safetensors are mapped
            return write(checkpointDir, out, weightType, extraMetadata, progress, fileType, cfg, ckpt);
        }
    }

    private static List<String> write(Path checkpointDir, Path out, DType weightType, Map<String, ?> extraMetadata,
                                      ProgressListener progress, int fileType, HfLlamaConfig cfg, SafetensorsCheckpoint ckpt)
            throws IOException {
        GgufWriter w = new GgufWriter();
        metadata(w, cfg, fileType);
        w.putAll(extraMetadata);
        List<String> written = new ArrayList<>();
        Set<String> used = new LinkedHashSet<>();
        int hd = cfg.headDim(), q = cfg.numAttentionHeads() * hd, kv = cfg.numKeyValueHeads() * hd;
        int d = cfg.hiddenSize(), ff = cfg.intermediateSize();

        add(w, ckpt, used, written, "model.embed_tokens.weight", "token_embd.weight", new int[]{cfg.vocabSize(), d}, weightType, null);
        float[] ropeFactors = llama3RopeFactors(cfg);
        if (ropeFactors != null) {
            w.addTensor("rope_freqs.weight", DType.F32, new int[]{ropeFactors.length}, () -> Tensor.of(ropeFactors, ropeFactors.length));
            written.add("rope_freqs.weight");
        }
        for (int l = 0; l < cfg.numHiddenLayers(); l++) {
            String hf = "model.layers." + l + ".", gg = "blk." + l + ".";
            add(w, ckpt, used, written, hf + "input_layernorm.weight", gg + "attn_norm.weight", new int[]{d}, weightType, null);
            add(w, ckpt, used, written, hf + "self_attn.q_proj.weight", gg + "attn_q.weight", new int[]{q, d}, weightType, r -> RopePermute.sourceRow(r, hd));
            add(w, ckpt, used, written, hf + "self_attn.k_proj.weight", gg + "attn_k.weight", new int[]{kv, d}, weightType, r -> RopePermute.sourceRow(r, hd));
            add(w, ckpt, used, written, hf + "self_attn.v_proj.weight", gg + "attn_v.weight", new int[]{kv, d}, weightType, null);
            add(w, ckpt, used, written, hf + "self_attn.o_proj.weight", gg + "attn_output.weight", new int[]{d, q}, weightType, null);
            addOptionalBias(w, ckpt, used, written, hf + "self_attn.q_proj.bias", gg + "attn_q.bias", q, hd);
            addOptionalBias(w, ckpt, used, written, hf + "self_attn.k_proj.bias", gg + "attn_k.bias", kv, hd);
            addOptionalBias(w, ckpt, used, written, hf + "self_attn.v_proj.bias", gg + "attn_v.bias", kv, 0);
            addOptionalBias(w, ckpt, used, written, hf + "self_attn.o_proj.bias", gg + "attn_output.bias", d, 0);
            add(w, ckpt, used, written, hf + "post_attention_layernorm.weight", gg + "ffn_norm.weight", new int[]{d}, weightType, null);
            add(w, ckpt, used, written, hf + "mlp.gate_proj.weight", gg + "ffn_gate.weight", new int[]{ff, d}, weightType, null);
            add(w, ckpt, used, written, hf + "mlp.up_proj.weight", gg + "ffn_up.weight", new int[]{ff, d}, weightType, null);
            add(w, ckpt, used, written, hf + "mlp.down_proj.weight", gg + "ffn_down.weight", new int[]{d, ff}, weightType, null);
        }
        add(w, ckpt, used, written, "model.norm.weight", "output_norm.weight", new int[]{d}, weightType, null);
        if (!cfg.tieWordEmbeddings()) {
            add(w, ckpt, used, written, "lm_head.weight", "output.weight", new int[]{cfg.vocabSize(), d}, weightType, null);
        } else {
            used.add("lm_head.weight"); // a tied head may still be stored; llama.cpp reuses token_embd
        }
        List<String> unused = new ArrayList<>();
        for (String name : ckpt.tensorNames()) {
            if (!used.contains(name) && !name.endsWith("rotary_emb.inv_freq")) { // inv_freq is recomputed, as llama.cpp does
                unused.add(name);
            }
        }
        if (!unused.isEmpty()) {
            throw new IOException(checkpointDir + ": tensors a Llama checkpoint should not have: " + unused);
        }
        try {
            w.write(out, progress);
        } catch (InternalError e) { // a mapped input truncated while converting faults on its next page
            for (FileStamp f : ckpt.stamps()) {
                if (f.change() != null) {
                    throw new IOException("the input " + f.path() + " " + f.change() + " while it was being converted", e);
                }
            }
            throw e;
        }
        return written;
    }

    private static void metadata(GgufWriter w, HfLlamaConfig cfg, int fileType) throws IOException {
        w.put("general.architecture", "llama");
        if (cfg.name() != null) {
            w.put("general.name", cfg.name());
        }
        w.put("llama.context_length", GgufValue.uint32(cfg.maxPositionEmbeddings()));
        w.put("llama.embedding_length", GgufValue.uint32(cfg.hiddenSize()));
        w.put("llama.block_count", GgufValue.uint32(cfg.numHiddenLayers()));
        w.put("llama.feed_forward_length", GgufValue.uint32(cfg.intermediateSize()));
        w.put("llama.attention.head_count", GgufValue.uint32(cfg.numAttentionHeads()));
        w.put("llama.attention.head_count_kv", GgufValue.uint32(cfg.numKeyValueHeads()));
        w.put("llama.rope.freq_base", GgufValue.float32(cfg.ropeTheta()));
        w.put("llama.attention.layer_norm_rms_epsilon", GgufValue.float32(cfg.rmsNormEps()));
        if (cfg.headDimExplicit()) { // as llama.cpp's converter: only when config.json gives head_dim
            w.put("llama.attention.key_length", GgufValue.uint32(cfg.headDim()));
            w.put("llama.attention.value_length", GgufValue.uint32(cfg.headDim()));
        }
        w.put("llama.rope.dimension_count", GgufValue.uint32(cfg.headDim()));
        String scaling = cfg.ropeScalingType();
        if ("linear".equals(scaling) && cfg.ropeScaling().get("factor") instanceof Number f) {
            w.put("llama.rope.scaling.type", "linear");
            w.put("llama.rope.scaling.factor", GgufValue.float32(f.floatValue()));
        } else if (scaling != null && !scaling.equals("llama3") && !scaling.equals("default")) {
            throw new IOException("config.json: rope_scaling type '" + scaling + "' is not supported (only linear and llama3)");
        }
        w.put("llama.vocab_size", GgufValue.uint32(cfg.vocabSize()));
        w.put("general.file_type", GgufValue.uint32(fileType));
        w.put("general.quantization_version", GgufValue.uint32(2)); // GGML_QNT_VERSION, written by llama.cpp's converter too
    }

    /**
     * llama.cpp's {@code rope_freqs} for Llama 3 scaling: per frequency pair, 1 for short wavelengths,
     * {@code factor} for long ones and a smooth blend between, computed in float32 like its converter.
     * The original context is {@code rope_scaling.original_max_position_embeddings} (llama.cpp reads a
     * top-level key that Llama 3 configs do not have and falls back to 8192, the value those configs give).
     */
    static float[] llama3RopeFactors(HfLlamaConfig cfg) {
        if (!"llama3".equals(cfg.ropeScalingType())) {
            return null;
        }
        float factor = (float) cfg.ropeScalingNumber("factor", 8.0);
        float low = (float) cfg.ropeScalingNumber("low_freq_factor", 1.0);
        float high = (float) cfg.ropeScalingNumber("high_freq_factor", 4.0);
        float oldContext = (float) cfg.ropeScalingNumber("original_max_position_embeddings", 8192);
        float lowWavelen = oldContext / low, highWavelen = oldContext / high;
        int dim = cfg.headDim();
        float[] out = new float[dim / 2];
        for (int i = 0; i < out.length; i++) {
            float freq = 1f / (float) Math.pow(cfg.ropeTheta(), (float) (2 * i) / dim);
            float wavelen = (float) (2 * Math.PI) / freq;
            if (wavelen < highWavelen) {
                out[i] = 1;
            } else if (wavelen > lowWavelen) {
                out[i] = factor;
            } else {
                float smooth = (oldContext / wavelen - low) / (high - low);
                out[i] = 1 / ((1 - smooth) / factor + smooth);
            }
        }
        return out;
    }

    /** Queues {@code hfName} as {@code ggufName}: shape checked now, data converted while writing. */
    private static void add(GgufWriter w, SafetensorsCheckpoint ckpt, Set<String> used, List<String> written, String hfName,
                            String ggufName, int[] shape, DType weightType, IntUnaryOperator rowSource) throws IOException {
        if (!ckpt.hasTensor(hfName)) {
            throw new IOException(ckpt.source() + ": tensor '" + hfName + "' is missing");
        }
        int[] found = ckpt.tensorInfo(hfName).shape();
        if (!Arrays.equals(found, shape)) {
            throw new IOException(ckpt.source() + ": tensor '" + hfName + "' has shape " + Arrays.toString(found)
                    + ", but config.json implies " + Arrays.toString(shape));
        }
        DType target = shape.length == 1 ? DType.F32
                : shape[1] % weightType.blockSize() != 0 ? DType.F16 : weightType;
        used.add(hfName);
        written.add(ggufName);
        w.addTensor(ggufName, target, shape, () -> convertRows(ckpt.tensor(hfName), target, rowSource));
    }

    /** A bias, when the checkpoint has one (Llama's {@code attention_bias}); q/k biases are permuted like their rows. */
    private static void addOptionalBias(GgufWriter w, SafetensorsCheckpoint ckpt, Set<String> used, List<String> written,
                                        String hfName, String ggufName, int n, int headDim) throws IOException {
        if (!ckpt.hasTensor(hfName)) {
            return;
        }
        if (headDim == 0) {
            add(w, ckpt, used, written, hfName, ggufName, new int[]{n}, DType.F32, null);
            return;
        }
        int[] found = ckpt.tensorInfo(hfName).shape();
        if (!Arrays.equals(found, new int[]{n})) {
            throw new IOException(ckpt.source() + ": tensor '" + hfName + "' has shape " + Arrays.toString(found)
                    + ", but config.json implies [" + n + "]");
        }
        used.add(hfName);
        written.add(ggufName);
        w.addTensor(ggufName, DType.F32, new int[]{n}, () -> {
            float[] v = Dequantize.toFloats(ckpt.tensor(hfName)), p = new float[n];
            for (int i = 0; i < n; i++) {
                p[i] = v[RopePermute.sourceRow(i, headDim)];
            }
            return Tensor.of(p, n);
        });
    }

    /**
     * A new tensor of {@code target} type whose row r is row {@code rowSource(r)} of {@code src}
     * (row r itself when null), decoded to float and re-encoded one row at a time.
     */
    static Tensor convertRows(Tensor src, DType target, IntUnaryOperator rowSource) {
        int[] shape = src.shape();
        Tensor dst = Tensor.allocate(target, shape);
        int n = src.dim(-1);
        float[] row = new float[n];
        for (int r = 0; r < src.rowCount(); r++) {
            Dequantize.row(src, rowSource == null ? r : rowSource.applyAsInt(r), row);
            Quantize.row(row, 0, n, dst.segment(), r * dst.rowBytes(), target);
        }
        return dst;
    }
}
