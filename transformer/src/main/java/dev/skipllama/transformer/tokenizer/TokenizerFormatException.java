package dev.skipllama.transformer.tokenizer;

/** A tokenizer file or metadata block is malformed or describes something this code does not support. */
public class TokenizerFormatException extends RuntimeException {
    public TokenizerFormatException(String message) {
        super(message);
    }

    public TokenizerFormatException(String message, Throwable cause) {
        super(message, cause);
    }
}
