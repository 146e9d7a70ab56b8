package com.example;

import dev.skipllama.skip.SkipMethod;
import dev.skipllama.skip.SkipMethods;
import dev.skipllama.skip.speculative.Speculation;
import dev.skipllama.tensor.cpu.CpuBackend;
import dev.skipllama.transformer.model.Generation;
import dev.skipllama.transformer.model.Model;
import dev.skipllama.transformer.model.Session;
import dev.skipllama.transformer.model.SessionOptions;
import dev.skipllama.transformer.sampling.SamplingConfig;
import java.io.IOException;
import java.nio.file.Path;

/** What an application does with skipllama: load once, open sessions, generate, choose how much of the model runs. */
public final class App {
    private App() {
    }

    /** Greedy text from the full model, from an early exit after {@code exitLayer} layers, and from self-speculation. */
    public static String[] threeWays(Path modelPath, String prompt, int tokens, int exitLayer) throws IOException {
        try (CpuBackend cpu = new CpuBackend(2); Model model = Model.load(modelPath, cpu)) {
            SessionOptions base = SessionOptions.defaults(128).withSampling(SamplingConfig.GREEDY);
            SkipMethod exit = SkipMethods.parse("exit:" + exitLayer, model, null);
            SessionOptions early = base.withSkip(exit);
            SessionOptions speculative = base.withSpeculation(Speculation.fixed(exitLayer, 3));
            String[] out = new String[3];
            SessionOptions[] options = {base, early, speculative};
            for (int i = 0; i < 3; i++) {
                try (Session session = model.newSession(options[i])) {
                    Generation g = session.generate(prompt, tokens);
                    out[i] = g.text();
                }
            }
            return out;
        }
    }

    public static void main(String[] args) throws IOException {
        Path model = Path.of(args.length > 0 ? args[0] : "../../models/tiny-layerskip");
        String[] t = threeWays(model, "Once upon a time", 24, 6);
        System.out.println("full model:       " + t[0]);
        System.out.println("exit at layer 6:  " + t[1]);
        System.out.println("self-speculation: " + t[2]);
    }
}
