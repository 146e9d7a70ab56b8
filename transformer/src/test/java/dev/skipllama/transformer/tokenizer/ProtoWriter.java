package dev.skipllama.transformer.tokenizer;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;

/** Builds protobuf wire-format bytes, so tests can make SentencePiece models with chosen fields. */
final class ProtoWriter {
    private final ByteArrayOutputStream out = new ByteArrayOutputStream();

    ProtoWriter varint(int field, long v) {
        tag(field, 0);
        raw(v);
        return this;
    }

    ProtoWriter fixed32(int field, float f) {
        tag(field, 5);
        int bits = Float.floatToIntBits(f);
        for (int i = 0; i < 4; i++) {
            out.write(bits >>> (8 * i));
        }
        return this;
    }

    ProtoWriter bytes(int field, byte[] b) {
        tag(field, 2);
        raw(b.length);
        out.writeBytes(b);
        return this;
    }

    ProtoWriter string(int field, String s) {
        return bytes(field, s.getBytes(StandardCharsets.UTF_8));
    }

    ProtoWriter message(int field, ProtoWriter m) {
        return bytes(field, m.toByteArray());
    }

    private void tag(int field, int wire) {
        raw((long) field << 3 | wire);
    }

    private void raw(long v) {
        while ((v & ~0x7FL) != 0) {
            out.write((int) (v & 0x7F) | 0x80);
            v >>>= 7;
        }
        out.write((int) v);
    }

    byte[] toByteArray() {
        return out.toByteArray();
    }

    /** A SentencePiece piece message. */
    static ProtoWriter piece(String text, float score, int type) {
        return new ProtoWriter().string(1, text).fixed32(2, score).varint(3, type);
    }
}
