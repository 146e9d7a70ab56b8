package dev.skipllama.transformer.tokenizer;

import java.util.function.Supplier;

/** Helps loaders name the file in every error, including those raised by the shared building blocks. */
final class Loading {
    private Loading() {
    }

    /** Runs {@code build}; a {@link TokenizerFormatException} that does not name {@code source} gets it prefixed. */
    static <T> T named(String source, Supplier<T> build) {
        try {
            return build.get();
        } catch (TokenizerFormatException e) {
            if (e.getMessage() != null && e.getMessage().startsWith(source)) {
                throw e;
            }
            throw new TokenizerFormatException(source + ": " + e.getMessage(), e);
        }
    }
}
