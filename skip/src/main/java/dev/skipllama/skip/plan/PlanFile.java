package dev.skipllama.skip.plan;

import dev.skipllama.transformer.io.OutputFile;
import dev.skipllama.transformer.io.TextFiles;
import dev.skipllama.transformer.json.Json;
import dev.skipllama.transformer.json.JsonException;
import dev.skipllama.transformer.llama.LayerAction;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;

/**
 * A {@link StaticPlan} as a small JSON file a person can read and edit:
 *
 * <pre>
 * {
 *   "format": "skipllama-static-plan",
 *   "version": 1,
 *   "method": "shortgpt:2",
 *   "layers": [
 *     {"layer": 0, "action": "run", "score": 0.61},
 *     {"layer": 1, "action": "skip", "score": 0.02},
 *     {"layer": 2, "action": "skip-attention"},
 *     {"layer": 3, "action": "skip-ffn"}
 *   ]
 * }
 * </pre>
 *
 * Layers are listed in order, each once; {@code score} is optional (all or none). Reading rejects
 * anything else with an {@link IllegalArgumentException} that names the file and the problem.
 */
public final class PlanFile {
    public static final String FORMAT = "skipllama-static-plan";
    public static final int VERSION = 1;

    private PlanFile() {
    }

    public static String toJson(StaticPlan plan) {
        StringBuilder sb = new StringBuilder();
        sb.append("{\n  \"format\": \"").append(FORMAT).append("\",\n  \"version\": ").append(VERSION)
                .append(",\n  \"method\": ").append(Json.quote(plan.method())).append(",\n  \"layers\": [\n");
        for (int l = 0; l < plan.layers(); l++) {
            sb.append("    {\"layer\": ").append(l).append(", \"action\": \"").append(actionName(plan.action(l))).append('"');
            if (!plan.scores().isEmpty()) {
                double s = plan.scores().get(l);
                if (!Double.isFinite(s)) {
                    throw new IllegalArgumentException("plan '" + plan.method() + "': score of layer " + l + " is " + s
                            + ", which JSON cannot hold");
                }
                sb.append(", \"score\": ").append(s);
            }
            sb.append('}').append(l + 1 < plan.layers() ? ",\n" : "\n");
        }
        return sb.append("  ]\n}\n").toString();
    }

    /** Plan files are a few hundred bytes per layer; a bigger one is not a plan (and {@code /dev/zero} is not read to the end). */
    public static final long MAX_BYTES = 4 << 20;

    public static void write(StaticPlan plan, Path file) {
        write(plan, file, List.of());
    }

    /**
     * Writes the plan atomically (a temporary file renamed into place), refusing a {@code file} that is
     * one of {@code inputs} (the model, the calibration text).
     */
    public static void write(StaticPlan plan, Path file, Collection<Path> inputs) {
        try {
            OutputFile.writeString(file, toJson(plan), inputs);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write static plan file " + file + ": " + e.getMessage(), e);
        }
    }

    public static StaticPlan read(Path file) {
        String text;
        try {
            text = TextFiles.read(file, MAX_BYTES, "a static plan file"); // errors name the file (and the byte of bad UTF-8)
        } catch (IOException e) {
            throw new UncheckedIOException(e.getMessage(), e);
        }
        return parse(text, file.toString());
    }

    /** Parses plan JSON; {@code source} names it in error messages. */
    public static StaticPlan parse(String json, String source) {
        String where = "static plan file " + source + ": ";
        Map<String, Object> root;
        try {
            root = Json.parseObject(json);
        } catch (JsonException e) {
            throw new IllegalArgumentException(where + "not valid JSON: " + e.getMessage(), e);
        }
        if (!FORMAT.equals(root.get("format"))) {
            throw new IllegalArgumentException(where + "\"format\" must be \"" + FORMAT + "\", found " + describe(root.get("format")));
        }
        if (!(root.get("version") instanceof Long v) || v != VERSION) {
            throw new IllegalArgumentException(where + "unsupported \"version\" " + describe(root.get("version"))
                    + " (this reader knows " + VERSION + ")");
        }
        if (!(root.get("method") instanceof String method) || method.isBlank()) {
            throw new IllegalArgumentException(where + "\"method\" must be a non-empty string, found " + describe(root.get("method")));
        }
        if (!(root.get("layers") instanceof List<?> entries) || entries.isEmpty()) {
            throw new IllegalArgumentException(where + "\"layers\" must be a non-empty array, found " + describe(root.get("layers")));
        }
        for (String key : root.keySet()) {
            if (!List.of("format", "version", "method", "layers").contains(key)) {
                throw new IllegalArgumentException(where + "unknown field \"" + key + "\"");
            }
        }
        List<LayerAction> actions = new ArrayList<>();
        List<Double> scores = new ArrayList<>();
        for (int i = 0; i < entries.size(); i++) {
            String at = where + "layers[" + i + "]: ";
            if (!(entries.get(i) instanceof Map<?, ?> e)) {
                throw new IllegalArgumentException(at + "expected an object, found " + describe(entries.get(i)));
            }
            for (Object key : e.keySet()) {
                if (!List.of("layer", "action", "score").contains(key)) {
                    throw new IllegalArgumentException(at + "unknown field \"" + key + "\"");
                }
            }
            if (!(e.get("layer") instanceof Long layer) || layer != i) {
                throw new IllegalArgumentException(at + "\"layer\" must be " + i + " (layers in order, each once), found "
                        + describe(e.get("layer")));
            }
            if (!(e.get("action") instanceof String name)) {
                throw new IllegalArgumentException(at + "\"action\" must be a string, found " + describe(e.get("action")));
            }
            actions.add(actionOf(name, at));
            Object score = e.get("score");
            if (score != null) {
                if (!(score instanceof Number n)) {
                    throw new IllegalArgumentException(at + "\"score\" must be a number, found " + describe(score));
                }
                scores.add(n.doubleValue());
            }
        }
        if (!scores.isEmpty() && scores.size() != actions.size()) {
            throw new IllegalArgumentException(where + "either every layer has a \"score\" or none does ("
                    + scores.size() + " of " + actions.size() + " have one)");
        }
        return new StaticPlan(method, actions, scores);
    }

    public static String actionName(LayerAction a) {
        return switch (a) {
            case RUN -> "run";
            case SKIP -> "skip";
            case SKIP_ATTENTION -> "skip-attention";
            case SKIP_FFN -> "skip-ffn";
        };
    }

    private static LayerAction actionOf(String name, String at) {
        return switch (name) {
            case "run" -> LayerAction.RUN;
            case "skip" -> LayerAction.SKIP;
            case "skip-attention" -> LayerAction.SKIP_ATTENTION;
            case "skip-ffn" -> LayerAction.SKIP_FFN;
            default -> throw new IllegalArgumentException(at + "unknown action \"" + name
                    + "\" (expected run, skip, skip-attention or skip-ffn)");
        };
    }

    private static String describe(Object v) {
        return v instanceof String s ? Json.quote(s) : v == null ? "nothing" : Json.typeName(v) + " " + v;
    }

}
