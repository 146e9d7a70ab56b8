package dev.skipllama.tensor;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import org.junit.jupiter.api.Test;

class TensorTest {

    @Test
    void viewsShareMemoryWithoutCopying() {
        float[] v = new float[24];
        for (int i = 0; i < v.length; i++) {
            v[i] = i;
        }
        try (Tensor t = Tensor.of(v, 4, 6)) {
            Tensor rows = t.rows(1, 3);
            assertArrayEquals(new int[]{2, 6}, rows.shape());
            assertEquals(6f, rows.getFloat(0));
            rows.setFloat(0, -1f);
            assertEquals(-1f, t.getFloat(6));
            Tensor r2 = t.row(2);
            assertArrayEquals(new int[]{6}, r2.shape());
            assertEquals(12f, r2.getFloat(0));
            assertEquals(t.segment().address() + 48, r2.segment().address());
            Tensor flat = t.reshape(24);
            assertEquals(23f, flat.getFloat(23));
            assertFalse(rows.ownsMemory());
            rows.close(); // a view's close does nothing
            assertEquals(-1f, t.getFloat(6));
        }
    }

    @Test
    void quantizedRowViewsStartOnBlockBoundaries() {
        try (Tensor f = TestData.tensor(new Random(1), DType.F32, TestData.Values.NORMAL, 3, 64);
             Tensor q = Quantize.to(f, DType.Q4_0)) {
            assertEquals(2 * 18, q.rowBytes());
            float[] all = Dequantize.toFloats(q);
            float[] row2 = Dequantize.toFloats(q.row(2));
            for (int i = 0; i < 64; i++) {
                assertEquals(all[128 + i], row2[i]);
            }
        }
    }

    @Test
    void closedTensorsCannotBeRead() {
        Tensor t = Tensor.allocate(DType.F32, 4);
        assertTrue(t.ownsMemory());
        t.close();
        t.close(); // idempotent
        assertThrows(IllegalStateException.class, () -> t.getFloat(0));
    }

    @Test
    void byteSizesFollowGgufLayouts() {
        assertEquals(34, DType.Q8_0.byteSize(32));
        assertEquals(18, DType.Q4_0.byteSize(32));
        assertEquals(4096L / 32 * 18, DType.Q4_0.byteSize(4096));
        assertEquals(2, DType.BF16.byteSize(1));
        assertEquals(DType.Q4_0, DType.fromGgmlType(2));
        assertEquals(DType.BF16, DType.fromGgmlType(30));
    }
}
