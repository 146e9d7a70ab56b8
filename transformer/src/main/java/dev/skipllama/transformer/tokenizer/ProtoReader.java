package dev.skipllama.transformer.tokenizer;

import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.ByteBuffer;

/**
 * A reader of the protobuf wire format, enough for SentencePiece's {@code ModelProto}: varints,
 * 32/64-bit fixed values and length-delimited fields, with unknown fields skipped. Every error
 * says which byte offset of the file it found what at.
 */
final class ProtoReader {
    static final int VARINT = 0;
    static final int FIXED64 = 1;
    static final int LEN = 2;
    static final int FIXED32 = 5;

    private final byte[] buf;
    private final String source;
    private int pos;
    private final int limit;
    private int tagPos; // where the last field key started, for errors about that field

    ProtoReader(byte[] buf, String source) {
        this(buf, source, 0, buf.length);
    }

    private ProtoReader(byte[] buf, String source, int pos, int limit) {
        this.buf = buf;
        this.source = source;
        this.pos = pos;
        this.limit = limit;
    }

    boolean hasMore() {
        return pos < limit;
    }

    int position() {
        return pos;
    }

    /** Reads a field key; returns it as (field number << 3 | wire type). */
    int readTag() {
        int at = pos;
        tagPos = at;
        long tag = readVarint();
        int field = (int) (tag >>> 3);
        if (tag >>> 3 > 0x1FFFFFFF || field == 0) {
            throw error(at, "a field key with a field number in 1..536870911, found " + (tag >>> 3));
        }
        return (int) tag;
    }

    long readVarint() {
        int at = pos;
        long v = 0;
        for (int shift = 0; shift < 64; shift += 7) {
            if (pos >= limit) {
                throw error(at, "a complete varint, found the end of the data");
            }
            byte b = buf[pos++];
            v |= (long) (b & 0x7F) << shift;
            if (b >= 0) {
                return v;
            }
        }
        throw error(at, "a varint of at most 10 bytes");
    }

    int readFixed32() {
        need(4, "a 4-byte value");
        int v = (buf[pos] & 0xFF) | (buf[pos + 1] & 0xFF) << 8 | (buf[pos + 2] & 0xFF) << 16 | (buf[pos + 3] & 0xFF) << 24;
        pos += 4;
        return v;
    }

    float readFloat() {
        return Float.intBitsToFloat(readFixed32());
    }

    /** A length-delimited field's contents as a reader of its own (the outer reader moves past it). */
    ProtoReader readMessage() {
        int len = readLength();
        ProtoReader sub = new ProtoReader(buf, source, pos, pos + len);
        pos += len;
        return sub;
    }

    byte[] readBytes() {
        int len = readLength();
        byte[] out = new byte[len];
        System.arraycopy(buf, pos, out, 0, len);
        pos += len;
        return out;
    }

    String readString() {
        int at = pos;
        int len = readLength();
        try {
            String s = StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(buf, pos, len)).toString();
            pos += len;
            return s;
        } catch (CharacterCodingException e) {
            throw error(at, "a UTF-8 string, found malformed bytes");
        }
    }

    private int readLength() {
        int at = pos;
        long len = readVarint();
        if (len < 0 || len > limit - pos) {
            throw error(at, "a length that fits in the remaining " + (limit - pos) + " bytes, found " + len);
        }
        return (int) len;
    }

    /** Skips a field's value of the given wire type. */
    void skip(int wireType) {
        int at = tagPos;
        switch (wireType) {
            case VARINT -> readVarint();
            case FIXED64 -> {
                need(8, "an 8-byte value");
                pos += 8;
            }
            case LEN -> {
                int len = readLength(); // read first: `pos += readLength()` would add to the old pos
                pos += len;
            }
            case FIXED32 -> {
                need(4, "a 4-byte value");
                pos += 4;
            }
            default -> throw error(at, "wire type 0, 1, 2 or 5, found " + wireType
                    + (wireType == 3 || wireType == 4 ? " (groups are not used by this format)" : ""));
        }
    }

    /** Checks that a known field came with the wire type its schema gives it. */
    void expectWireType(int tag, int wireType, String fieldName) {
        if ((tag & 7) != wireType) {
            throw error(tagPos, "field " + fieldName + " (number " + (tag >>> 3) + ") with wire type " + wireType
                    + ", found wire type " + (tag & 7));
        }
    }

    private void need(int n, String what) {
        if (limit - pos < n) {
            throw error(pos, what + ", found only " + (limit - pos) + " bytes left");
        }
    }

    TokenizerFormatException error(int at, String expected) {
        return new TokenizerFormatException(source + ": at byte " + at + ": expected " + expected);
    }
}
