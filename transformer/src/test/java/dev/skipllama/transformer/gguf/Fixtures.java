package dev.skipllama.transformer.gguf;

import java.net.URISyntaxException;
import java.net.URL;
import java.nio.file.Path;

/** The llama.cpp vocabulary files in the test resources (see LICENSE-llama.cpp beside them). */
final class Fixtures {
    private Fixtures() {
    }

    static final Path SPM = resource("llama.cpp-vocab/ggml-vocab-llama-spm.gguf");
    static final Path BPE = resource("llama.cpp-vocab/ggml-vocab-llama-bpe.gguf");

    static Path resource(String name) {
        URL url = Fixtures.class.getClassLoader().getResource(name);
        if (url == null) {
            throw new IllegalStateException("test resource " + name + " is missing");
        }
        try {
            return Path.of(url.toURI());
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }
}
