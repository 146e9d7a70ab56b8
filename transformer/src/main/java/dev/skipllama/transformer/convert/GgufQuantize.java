package dev.skipllama.transformer.convert;

import dev.skipllama.tensor.DType;
import dev.skipllama.transformer.ProgressListener;
import dev.skipllama.transformer.gguf.GgufFile;
import dev.skipllama.transformer.gguf.GgufTensorInfo;
import dev.skipllama.transformer.gguf.GgufType;
import dev.skipllama.transformer.gguf.GgufWriter;
import dev.skipllama.transformer.io.OutputFile;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

/**
 * Re-encodes a GGUF model's weight matrices in another dtype (llama.cpp's {@code llama-quantize}
 * for the types we write): every 2-D tensor whose rows fit the target's block size is decoded row by
 * row to F32 and encoded again; norms and other 1-D tensors, and rows that do not fit the block size,
 * are copied unchanged. Metadata is copied key by key with its GGUF type, {@code general.file_type}
 * updated. Quantizing an already quantized file compounds the rounding errors: start from F32, F16
 * or BF16 when you can.
 */
public final class GgufQuantize {
    private GgufQuantize() {
    }

    /** @return the number of tensors re-encoded */
    public static int quantize(Path in, Path out, DType target, ProgressListener progress) throws IOException {
        int fileType = HfToGguf.llamaFileType(target); // rejects types we cannot write
        OutputFile.checkNotInput(out, List.of(in)); // also through links: the input is mapped while the output is written
        try (GgufFile src = GgufFile.open(in)) {
            GgufWriter w = new GgufWriter();
            for (String key : src.metadata().keySet()) {
                if (key.equals("general.file_type")) {
                    w.put(key, GgufType.UINT32, (long) fileType);
                } else {
                    w.put(key, src.type(key), src.get(key)); // general.alignment too: the writer adopts it
                }
            }
            if (!src.contains("general.file_type")) {
                w.put("general.file_type", GgufType.UINT32, (long) fileType);
            }
            int converted = 0;
            for (GgufTensorInfo t : src.tensors()) {
                if (!t.isSupported()) {
                    throw new IOException(in + ": tensor '" + t.name() + "' has type " + t.typeName()
                            + ", which skipllama cannot decode; quantize from an F32/F16/BF16/Q8_0/Q4_0/Q4_K/Q6_K file");
                }
                int[] shape = t.shape();
                boolean reencode = shape.length == 2 && shape[1] % target.blockSize() == 0 && t.type() != target;
                if (reencode) {
                    w.addTensor(t.name(), target, shape, () -> HfToGguf.convertRows(src.tensor(t.name()), target, null));
                    converted++;
                } else {
                    w.addTensor(t.name(), src.tensor(t.name()));
                }
            }
            try {
                w.write(out, progress);
            } catch (InternalError e) { // the mapped input truncated while quantizing faults on its next page
                String change = src.stamp().change();
                if (change != null) {
                    throw new IOException("the input " + in + " " + change + " while it was being quantized", e);
                }
                throw e;
            }
            return converted;
        }
    }
}
