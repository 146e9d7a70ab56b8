package dev.skipllama.cli;

import dev.skipllama.transformer.model.Model;
import dev.skipllama.transformer.model.Session;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * Where a generation's memory went: weights the backend copied (the CPU's packed tiles), weights used
 * in place (memory-mapped: resident once read), the session's KV cache and activation buffers, the Java
 * heap, and the process's resident set as Linux counts it (what {@code /usr/bin/time -f %M} reports
 * as the peak), so a figure next to llama.cpp's can be taken apart.
 */
record MemoryReport(long copiedWeights, long inPlaceWeights, long kvCache, long workspace, long heapUsed,
                    long resident, long residentPeak) {

    static MemoryReport of(Model model, Session session) {
        Runtime rt = Runtime.getRuntime();
        return new MemoryReport(model.llama().copiedWeightBytes(), model.llama().inPlaceWeightBytes(), session.kvCacheBytes(),
                session.workspaceBytes(), rt.totalMemory() - rt.freeMemory(), procStatus("VmRSS"), procStatus("VmHWM"));
    }

    /** A /proc/self/status field in bytes, or -1 off Linux. */
    private static long procStatus(String field) {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith(field + ":")) {
                    return Long.parseLong(line.substring(field.length() + 1).trim().split("\\s+")[0]) * 1024;
                }
            }
        } catch (IOException | RuntimeException ignored) {
            // not Linux, or a format we do not know: the figure is left out
        }
        return -1;
    }

    Map<String, Object> json() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("weights_copied_bytes", copiedWeights);
        m.put("weights_in_place_bytes", inPlaceWeights);
        m.put("kv_cache_bytes", kvCache);
        m.put("workspace_bytes", workspace);
        m.put("java_heap_used_bytes", heapUsed);
        if (resident >= 0) {
            m.put("resident_bytes", resident);
            m.put("resident_peak_bytes", residentPeak);
        }
        return m;
    }

    String line() {
        return String.format(Locale.ROOT, "memory: weights %s copied + %s mapped, KV cache %s, workspace %s, Java heap %s used%s",
                mib(copiedWeights), mib(inPlaceWeights), mib(kvCache), mib(workspace), mib(heapUsed),
                resident < 0 ? "" : "; resident " + mib(resident) + " (peak " + mib(residentPeak) + ")");
    }

    private static String mib(long bytes) {
        return String.format(Locale.ROOT, bytes < 10L << 20 ? "%.1f MiB" : "%.0f MiB", bytes / 1048576.0);
    }
}
