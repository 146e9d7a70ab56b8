package dev.skipllama.cli;

import dev.skipllama.skip.SkipMethods;
import dev.skipllama.skip.SkipSpecException;
import dev.skipllama.skip.plan.PlanFile;
import dev.skipllama.skip.plan.StaticSkip;
import dev.skipllama.transformer.io.OutputFile;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** {@code skipllama calibrate}: compute a static skipping plan on calibration text and save it. */
final class CalibrateCommand {
    private CalibrateCommand() {
    }

    static Options options() {
        Options o = new Options("calibrate", "--method SPEC --calibration FILE --out PLAN.json [options]", """
                Computes a static plan (which layers or sublayers to skip) and writes the plan file that \
                'generate --skip plan:PLAN.json' loads. Methods: shortgpt:n, last25, last:n, unified:r, attn-drop:n, ffn-drop:n.""")
                .opt("--method", "SPEC", "the planner and its setting", null)
                .opt("--calibration", "FILE", "text, one passage per line (needed by shortgpt, attn-drop, ffn-drop)", null)
                .opt("--out", "PLAN.json", "where to write the plan", null);
        return ModelArgs.add(o);
    }

    static int run(Options.Parsed p, Io io) throws Exception {
        String spec = p.require("--method");
        Path out = Path.of(p.require("--out"));
        // Everything that can be told without the model, before loading it and calibrating for minutes:
        try {
            SkipMethods.check(spec, p.has("--calibration"));
        } catch (SkipSpecException e) {
            throw new UsageException("--method " + e.getMessage());
        }
        if (!SkipMethods.isStaticPlan(spec)) {
            throw new UsageException(spec + " is not a static plan (calibrate writes shortgpt, last25, last, unified, attn-drop, ffn-drop)");
        }
        List<Path> inputs = new ArrayList<>(List.of(p.has("--model") ? p.path("--model") : ModelArgs.defaultModel()));
        if (p.has("--calibration")) {
            inputs.add(p.path("--calibration"));
        }
        OutputFile.checkNotInput(out, inputs);
        return ModelArgs.with(p, io, m -> {
            StaticSkip s = (StaticSkip) DecodingArgs.parse(spec, m.model(), DecodingArgs.calibration(p, m.model(), spec));
            PlanFile.write(s.plan(), out, inputs);
            io.out().println(PlanFile.toJson(s.plan()));
            io.out().println("wrote " + out + "; use it with: skipllama generate --skip plan:" + out);
            return 0;
        });
    }
}
