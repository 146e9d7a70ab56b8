package dev.skipllama.transformer.tokenizer;

/**
 * What a vocabulary entry is, with the numeric codes GGUF ({@code tokenizer.ggml.token_type}) and
 * SentencePiece's {@code ModelProto.SentencePiece.Type} share. The type decides how a token is
 * matched in text and how it decodes: normal pieces are text, byte tokens stand for one raw byte,
 * control tokens ({@code <s>}, {@code <|eot_id|>}) are invisible unless asked for, user-defined
 * tokens are always matched as a whole.
 */
public enum TokenType {
    NORMAL(1),
    UNKNOWN(2),
    CONTROL(3),
    USER_DEFINED(4),
    UNUSED(5),
    BYTE(6);

    private final int code;

    TokenType(int code) {
        this.code = code;
    }

    public int code() {
        return code;
    }

    /** The type for a file's numeric code; an unknown code is an error naming the token. */
    public static TokenType fromCode(int code, int tokenId) {
        for (TokenType t : values()) {
            if (t.code == code) {
                return t;
            }
        }
        throw new TokenizerFormatException("token " + tokenId + " has type code " + code
                + ", expected one of 1 (normal), 2 (unknown), 3 (control), 4 (user-defined), 5 (unused), 6 (byte)");
    }

    /** Control and unknown tokens are the ones llama.cpp matches in text only when parsing specials. */
    boolean isSpecial() {
        return this == CONTROL || this == UNKNOWN;
    }
}
