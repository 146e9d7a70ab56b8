package dev.skipllama.tensor;

import dev.skipllama.tensor.cpu.CpuBackend;
import dev.skipllama.tensor.cuda.CudaBackend;
import dev.skipllama.tensor.ref.ReferenceBackend;
import java.util.Locale;

/**
 * Backends by name, for command lines and configuration:
 * <ul>
 *   <li>{@code cpu} — the Vector API backend on every core; {@code cpu:N} on N threads</li>
 *   <li>{@code cuda} — the CUDA backend on device 0; {@code cuda:N} on device N</li>
 *   <li>{@code reference} — the scalar definition of every op (slow; for checking)</li>
 * </ul>
 * The caller owns the backend and closes it after the models that use it.
 */
public final class Backends {
    private Backends() {
    }

    /** The backend {@code spec} names; an exception says what was wrong, and for CUDA why it is unavailable here. */
    public static Backend create(String spec) {
        String s = spec == null ? "" : spec.trim().toLowerCase(Locale.ROOT);
        String kind = s.contains(":") ? s.substring(0, s.indexOf(':')) : s;
        String arg = s.contains(":") ? s.substring(s.indexOf(':') + 1) : null;
        return switch (kind) {
            case "cpu" -> arg == null ? new CpuBackend() : new CpuBackend(number(spec, arg, 1));
            case "reference" -> {
                if (arg != null) {
                    throw new IllegalArgumentException("backend '" + spec + "': reference takes no argument");
                }
                yield new ReferenceBackend();
            }
            case "cuda" -> {
                int device = arg == null ? 0 : number(spec, arg, 0);
                if (!CudaBackend.isAvailable()) {
                    throw new IllegalStateException("backend '" + spec + "' is unavailable: " + CudaBackend.unavailableReason());
                }
                yield new CudaBackend(device);
            }
            default -> throw new IllegalArgumentException("unknown backend '" + spec + "'; expected cpu, cpu:THREADS, cuda, cuda:DEVICE or reference");
        };
    }

    private static int number(String spec, String arg, int min) {
        try {
            int n = Integer.parseInt(arg);
            if (n >= min) {
                return n;
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw new IllegalArgumentException("backend '" + spec + "': expected a whole number ≥ " + min + " after ':', found '" + arg + "'");
    }
}
