package dev.skipllama.tensor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.skipllama.tensor.cpu.CpuBackend;
import dev.skipllama.tensor.ref.ReferenceBackend;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

/**
 * A device tensor's address is never dereferenced by Java: host accessors and host backends refuse
 * it with a message instead of crashing the JVM. The tensors here point at a made-up address, which
 * is safe exactly because nothing may read it.
 */
class DeviceTensorTest {
    private static final Location GPU = new Location("cuda:0");

    private static Tensor fake(int... shape) {
        return Tensor.onDevice(GPU, 0x7f00_0000_0000L, DType.F32, null, shape);
    }

    private static void refused(Executable e) {
        IllegalStateException ex = assertThrows(IllegalStateException.class, e);
        assertTrue(ex.getMessage().contains("lives on cuda:0") && ex.getMessage().contains("Backend.toHost"), ex.getMessage());
    }

    @Test
    void hostAccessorsRefuseWithAMessage() {
        Tensor t = fake(2, 3);
        refused(t::segment);
        refused(() -> t.getFloat(0));
        refused(() -> t.setFloat(0, 1f));
        refused(t::toFloatArray);
        refused(() -> t.copyTo(new float[6]));
        refused(() -> t.copyFrom(new float[6]));
        refused(() -> t.row(1).getFloat(0));
    }

    @Test
    void viewsStayOnTheDeviceAndSliceTheAddress() {
        Tensor t = fake(4, 8);
        Tensor r = t.rows(1, 3);
        assertEquals(GPU, r.location());
        assertEquals(0x7f00_0000_0000L + 32, r.deviceAddress());
        assertEquals(0x7f00_0000_0000L + 3 * 32, t.row(3).deviceAddress());
        assertEquals(GPU, t.reshape(32).location());
        assertEquals(64, r.byteSize());
        assertTrue(r.toString().contains("on cuda:0"), r.toString());
        assertThrows(IllegalStateException.class, () -> Tensor.of(new float[]{1}, 1).deviceAddress());
    }

    @Test
    void hostBackendsRejectDeviceTensors() {
        try (Backend cpu = new CpuBackend(1); Tensor w = Tensor.allocate(DType.F32, 3, 4); Tensor out = Tensor.allocate(DType.F32, 1, 3)) {
            for (Backend b : new Backend[]{cpu, new ReferenceBackend()}) {
                IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> b.matmul(w, fake(1, 4), out));
                assertTrue(e.getMessage().startsWith("matmul: F32[1, 4] lives on cuda:0 but this backend computes on host"), e.getMessage());
                assertThrows(IllegalArgumentException.class, () -> b.softmax(fake(2, 2)));
                assertThrows(IllegalArgumentException.class, () -> b.embedding(w, new int[]{0}, fake(1, 4)));
                assertThrows(IllegalArgumentException.class, () -> b.attention(fake(1, 4), fake(2, 4), fake(2, 4), new int[]{0}, 1, 1, fake(1, 4)));
            }
            refused(() -> cpu.toHost(fake(3, 4), w));
        }
    }

    @Test
    void hostBackendsMemoryMethodsAreIdentities() {
        try (Backend cpu = new CpuBackend(1); Tensor w = Tensor.of(new float[]{1, 2, 3}, 3); Tensor t = cpu.allocate(DType.F32, 3)) {
            assertEquals(Location.HOST, cpu.location());
            assertTrue(cpu.upload(w) == w, "a host backend uploads nothing");
            cpu.fromHost(w, t);
            float[] back = new float[3];
            cpu.read(t, back);
            assertEquals(2f, back[1]);
            cpu.write(new float[]{4, 5, 6}, t);
            cpu.toHost(t, w);
            assertEquals(6f, w.getFloat(2));
            cpu.toHost(w, w); // the same tensor: nothing to copy
        }
    }

    @Test
    void aDeviceTensorFreesItsMemoryOnceHoweverOftenClosed() {
        AtomicInteger frees = new AtomicInteger();
        Tensor t = Tensor.onDevice(GPU, 0x1000, DType.Q8_0, frees::incrementAndGet, 2, 64);
        assertTrue(t.ownsMemory());
        t.rows(0, 1).close();
        assertEquals(0, frees.get(), "views own nothing");
        t.close();
        t.close();
        assertEquals(1, frees.get());
        assertThrows(IllegalArgumentException.class, () -> Tensor.onDevice(Location.HOST, 0x1000, DType.F32, null, 1));
    }
}
