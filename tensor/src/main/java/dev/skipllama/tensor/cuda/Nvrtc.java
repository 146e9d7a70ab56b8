package dev.skipllama.tensor.cuda;

import static dev.skipllama.cuda.nvrtc_h.nvrtcCompileProgram;
import static dev.skipllama.cuda.nvrtc_h.nvrtcCreateProgram;
import static dev.skipllama.cuda.nvrtc_h.nvrtcDestroyProgram;
import static dev.skipllama.cuda.nvrtc_h.nvrtcGetPTX;
import static dev.skipllama.cuda.nvrtc_h.nvrtcGetPTXSize;
import static dev.skipllama.cuda.nvrtc_h.nvrtcGetProgramLog;
import static dev.skipllama.cuda.nvrtc_h.nvrtcGetProgramLogSize;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** Run-time compilation of a kernel source to PTX, with build-ptx.sh's flags. */
final class Nvrtc {
    private static final List<String> OPTIONS = List.of("--gpu-architecture=compute_75", "-std=c++17",
            "--ftz=false", "--prec-div=true", "--prec-sqrt=true", "--fmad=true");

    private Nvrtc() {
    }

    static byte[] compile(String name, String source, Map<String, String> headers) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment prog = a.allocate(ValueLayout.ADDRESS);
            List<Map.Entry<String, String>> hs = new ArrayList<>(headers.entrySet());
            MemorySegment contents = a.allocate(ValueLayout.ADDRESS, Math.max(1, hs.size()));
            MemorySegment names = a.allocate(ValueLayout.ADDRESS, Math.max(1, hs.size()));
            for (int i = 0; i < hs.size(); i++) {
                contents.setAtIndex(ValueLayout.ADDRESS, i, a.allocateFrom(hs.get(i).getValue()));
                names.setAtIndex(ValueLayout.ADDRESS, i, a.allocateFrom(hs.get(i).getKey()));
            }
            Errors.nvrtc("nvrtcCreateProgram(" + name + ")", nvrtcCreateProgram(prog, a.allocateFrom(source), a.allocateFrom(name),
                    hs.size(), contents, names), null);
            MemorySegment p = prog.get(ValueLayout.ADDRESS, 0);
            try {
                MemorySegment opts = a.allocate(ValueLayout.ADDRESS, OPTIONS.size());
                for (int i = 0; i < OPTIONS.size(); i++) {
                    opts.setAtIndex(ValueLayout.ADDRESS, i, a.allocateFrom(OPTIONS.get(i)));
                }
                int rc = nvrtcCompileProgram(p, OPTIONS.size(), opts);
                Errors.nvrtc("nvrtcCompileProgram(" + name + ")", rc, rc == 0 ? null : log(a, p));
                MemorySegment size = a.allocate(ValueLayout.JAVA_LONG);
                Errors.nvrtc("nvrtcGetPTXSize", nvrtcGetPTXSize(p, size), null);
                MemorySegment ptx = a.allocate(size.get(ValueLayout.JAVA_LONG, 0));
                Errors.nvrtc("nvrtcGetPTX", nvrtcGetPTX(p, ptx), null);
                return ptx.asSlice(0, ptx.byteSize() - 1).toArray(ValueLayout.JAVA_BYTE); // without the NUL
            } finally {
                nvrtcDestroyProgram(prog);
            }
        }
    }

    private static String log(Arena a, MemorySegment p) {
        MemorySegment size = a.allocate(ValueLayout.JAVA_LONG);
        if (nvrtcGetProgramLogSize(p, size) != 0) {
            return "";
        }
        MemorySegment log = a.allocate(Math.max(1, size.get(ValueLayout.JAVA_LONG, 0)));
        return nvrtcGetProgramLog(p, log) == 0 ? log.getString(0) : "";
    }
}
