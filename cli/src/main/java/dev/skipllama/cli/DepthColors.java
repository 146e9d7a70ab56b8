package dev.skipllama.cli;

import java.util.Locale;

/**
 * A picture of what early exit does: each piece of generated text is coloured by how many decoder
 * layers predicted it — red for the shallowest quarter, then yellow, cyan, blue; the full depth is
 * left plain. ANSI escapes, used only when the output is a terminal (or asked for) and NO_COLOR is unset.
 */
final class DepthColors {
    private static final String[] CODES = {"\u001b[31m", "\u001b[33m", "\u001b[36m", "\u001b[34m"};
    private static final String RESET = "\u001b[0m";
    private final int layers;

    DepthColors(int layers) {
        this.layers = layers;
    }

    /** auto: on for a terminal without NO_COLOR; always; never. */
    static boolean enabled(String mode, boolean terminal) {
        return switch (mode) {
            case "always" -> true;
            case "never" -> false;
            case "auto" -> terminal && System.getenv("NO_COLOR") == null;
            default -> throw new UsageException("--color expects auto, always or never, got '" + mode + "'");
        };
    }

    String paint(String piece, int depth) {
        if (depth >= layers || piece.isEmpty()) {
            return piece;
        }
        int bucket = Math.min(CODES.length - 1, Math.max(0, depth * CODES.length / layers));
        return CODES[bucket] + piece + RESET;
    }

    String legend() {
        StringBuilder b = new StringBuilder("colours: layers that predicted each token —");
        for (int i = 0; i < CODES.length; i++) {
            int lo = Math.max(1, (i * layers + CODES.length - 1) / CODES.length), hi = ((i + 1) * layers + CODES.length - 1) / CODES.length - 1;
            hi = Math.min(hi, layers - 1);
            if (lo <= hi) {
                b.append(' ').append(CODES[i]).append(String.format(Locale.ROOT, lo == hi ? "%d" : "%d-%d", lo, hi)).append(RESET);
            }
        }
        return b.append(" and all ").append(layers).append(" plain").toString();
    }
}
