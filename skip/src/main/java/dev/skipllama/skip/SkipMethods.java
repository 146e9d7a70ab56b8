package dev.skipllama.skip;

import dev.skipllama.skip.calibration.Calibration;
import dev.skipllama.skip.dynamic.AdaSkip;
import dev.skipllama.skip.dynamic.RouterSkip;
import dev.skipllama.skip.dynamic.DepthDecay;
import dev.skipllama.skip.dynamic.SkipDecode;
import dev.skipllama.skip.dynamic.SublayerScope;
import dev.skipllama.skip.exit.ConfidenceExit;
import dev.skipllama.skip.exit.ExitMeasure;
import dev.skipllama.skip.exit.FixedExit;
import dev.skipllama.skip.plan.PlanFile;
import dev.skipllama.skip.plan.StaticPlan;
import dev.skipllama.skip.plan.StaticSkip;
import dev.skipllama.skip.planners.AttentionDrop;
import dev.skipllama.skip.planners.FfnDrop;
import dev.skipllama.skip.planners.LastLayersPruning;
import dev.skipllama.skip.planners.ShortGpt;
import dev.skipllama.skip.planners.UnifiedLayerSkipping;
import dev.skipllama.transformer.ProgressListener;
import dev.skipllama.transformer.llama.Llama;
import dev.skipllama.transformer.model.Model;
import java.nio.file.Path;
import java.util.function.Supplier;

/**
 * Every layer-skipping method from a short spec string, {@code name[:argument][,key=value]...}:
 *
 * <table>
 *   <caption>specs</caption>
 *   <tr><td>{@code full}</td><td>every layer ({@link FullModel})</td></tr>
 *   <tr><td>{@code exit:E}</td><td>fixed early exit after E layers ({@link FixedExit})</td></tr>
 *   <tr><td>{@code confidence:T[,every=k][,min=m][,measure=prob|margin]}</td><td>exit when the head's confidence &gt; T ({@link ConfidenceExit})</td></tr>
 *   <tr><td>{@code shortgpt:n}</td><td>remove the n lowest-Block-Influence layers ({@link ShortGpt})*</td></tr>
 *   <tr><td>{@code last25}, {@code last:n}</td><td>drop the last 25% / last n layers ({@link LastLayersPruning})</td></tr>
 *   <tr><td>{@code unified:r}</td><td>balanced subset for a target speed-up r ({@link UnifiedLayerSkipping})</td></tr>
 *   <tr><td>{@code attn-drop:n}</td><td>drop the n most input-like attention sublayers ({@link AttentionDrop})*</td></tr>
 *   <tr><td>{@code ffn-drop:n}</td><td>drop the n most input-like FFN sublayers ({@link FfnDrop})*</td></tr>
 *   <tr><td>{@code plan:FILE}</td><td>a static plan file ({@link PlanFile})</td></tr>
 *   <tr><td>{@code skipdecode:min-max[,horizon=H]}</td><td>SkipDecode, lower layers skipped ({@link SkipDecode})</td></tr>
 *   <tr><td>{@code d3:α[,min=m][,tail=t]}</td><td>D³ depth decay ({@link DepthDecay})</td></tr>
 *   <tr><td>{@code adaskip:τ[,decay=β][,refresh=R][,only=attn|ffn]}</td><td>similarity-based sublayer skipping ({@link AdaSkip})</td></tr>
 *   <tr><td>{@code router:p[,tau=τ][,epochs=n][,only=attn|ffn]}</td><td>learned per-token routers, Router-Tuning/MindSkip style ({@link RouterSkip})*</td></tr>
 * </table>
 * (*) needs calibration statistics, asked for from the supplier only then.
 */
public final class SkipMethods {
    static final String USAGE = "known specs: full, exit:E, confidence:T[,every=k][,min=m][,measure=prob|margin], shortgpt:n, "
            + "last25, last:n, unified:r, attn-drop:n, ffn-drop:n, plan:FILE, skipdecode:min-max[,horizon=H], "
            + "d3:alpha[,min=m][,tail=t], adaskip:tau[,decay=b][,refresh=R][,only=attn|ffn], router:p[,tau=t][,epochs=n][,only=attn|ffn]";

    private SkipMethods() {
    }

    /** The spec forms of every method, for help texts: {@code full}, {@code exit:E}, … (the same list errors quote). */
    public static java.util.List<String> specForms() {
        return java.util.List.of(USAGE.substring("known specs: ".length()).split(", "));
    }

    /**
     * The method a spec describes. Options a method does not know, a missing or out-of-range argument
     * and an unknown name are {@link SkipSpecException}s that quote the spec; a plan file that cannot be
     * read or parsed is an {@link java.io.UncheckedIOException} or {@link IllegalArgumentException} naming the file.
     *
     * @param calibration statistics for the calibration-based planners; called at most once, and only
     *                    for those specs (may be null otherwise)
     */
    public static SkipMethod parse(String specText, Llama model, Supplier<Calibration> calibration) {
        return build(new Spec(specText), model, model.config().layers(), calibration);
    }

    /** The same for a loaded {@link Model}, e.g. {@code SessionOptions.defaults(256).withSkip(SkipMethods.parse("exit:6", model, null))}. */
    public static SkipMethod parse(String specText, Model model, Supplier<Calibration> calibration) {
        return parse(specText, model.llama(), calibration);
    }

    /**
     * Checks a spec without a model, as far as that is possible: the method's name, its argument and
     * options and their model-independent ranges, and that a planner that ranks layers has calibration
     * text. A command line can so report a bad {@code --skip} before loading anything; {@link #parse}
     * then checks what depends on the model (an exit layer beyond its depth).
     *
     * @param calibrationGiven whether calibration text will be supplied
     * @throws SkipSpecException naming the spec and what is wrong
     */
    public static void check(String specText, boolean calibrationGiven) {
        Supplier<Calibration> none = () -> null;
        build(new Spec(specText), null, MAX_LAYERS, calibrationGiven ? none : null);
    }

    /** Whether the spec names a static plan (what {@code calibrate} can save): shortgpt, last25, last, unified, attn-drop, ffn-drop, plan. */
    public static boolean isStaticPlan(String specText) {
        return STATIC.contains(new Spec(specText).name);
    }

    private static final java.util.Set<String> STATIC = java.util.Set.of("shortgpt", "last25", "last", "unified", "attn-drop", "ffn-drop", "plan");
    /** The depth {@link #check} assumes: ranges that depend on the model are checked by {@link #parse}. */
    private static final int MAX_LAYERS = 1 << 16;

    /** The method a spec describes; with {@code model} null, only checks it and returns null. */
    private static SkipMethod build(Spec spec, Llama model, int layers, Supplier<Calibration> calibration) {
        boolean dry = model == null;
        SkipMethod m = switch (spec.name) {
            case "full" -> {
                spec.noArgument();
                yield dry ? null : new FullModel(layers);
            }
            case "exit" -> {
                int e = spec.intArgument("the number of layers to run", 1, layers);
                yield dry ? null : new FixedExit(layers, e);
            }
            case "confidence" -> {
                double t = spec.doubleArgument("a confidence threshold", 0, 1);
                int every = spec.intOption("every", 1, 1, layers);
                int min = spec.intOption("min", 1, 1, Math.max(1, layers - 1));
                ExitMeasure measure = spec.choiceOption("measure", "prob", "prob", "margin").equals("margin")
                        ? ExitMeasure.MARGIN : ExitMeasure.TOP_PROBABILITY;
                yield dry ? null : ConfidenceExit.everyKth(model, measure, t, every, min);
            }
            case "shortgpt" -> {
                int n = spec.intArgument("the number of layers to remove", 0, layers - 1);
                Calibration c = calibrate(spec, calibration, dry);
                yield dry ? null : planned(spec, layers, ShortGpt.plan(c, n));
            }
            case "last25" -> {
                spec.noArgument();
                yield dry ? null : planned(spec, layers, LastLayersPruning.plan(layers, 0.25));
            }
            case "last" -> {
                int n = spec.intArgument("the number of last layers to drop", 0, layers - 1);
                yield dry ? null : planned(spec, layers, LastLayersPruning.dropLast(layers, n));
            }
            case "unified" -> {
                double r = spec.doubleArgument("a target speed-up", 1, layers);
                yield dry ? null : planned(spec, layers, UnifiedLayerSkipping.plan(layers, r));
            }
            case "attn-drop" -> {
                int n = spec.intArgument("the number of attention sublayers to drop", 0, layers);
                Calibration c = calibrate(spec, calibration, dry);
                yield dry ? null : planned(spec, layers, AttentionDrop.plan(c, n));
            }
            case "ffn-drop" -> {
                int n = spec.intArgument("the number of FFN sublayers to drop", 0, layers);
                Calibration c = calibrate(spec, calibration, dry);
                yield dry ? null : planned(spec, layers, FfnDrop.plan(c, n));
            }
            case "plan" -> {
                String file = spec.requireArgument("a plan file path");
                yield dry ? null : planned(spec, layers, PlanFile.read(Path.of(file)));
            }
            case "skipdecode" -> {
                String range = spec.requireArgument("a layer range min-max");
                int dash = range.indexOf('-');
                if (dash < 0) {
                    throw spec.error("SkipDecode needs a range min-max of layers run per token, e.g. skipdecode:"
                            + Math.max(1, Math.min(layers, 12) / 3) + "-" + Math.min(layers, 12));
                }
                int min = spec.toInt(range.substring(0, dash), "min layers", 1, layers);
                int max = spec.toInt(range.substring(dash + 1), "max layers", min, layers);
                int horizon = spec.intOption("horizon", 64, 1, Integer.MAX_VALUE);
                yield dry ? null : new SkipDecode(layers, min, max, horizon);
            }
            case "d3" -> {
                double alpha = spec.doubleArgument("the decay α", Double.MIN_VALUE, 1);
                int min = spec.intOption("min", Math.max(1, layers / 2), 1, layers);
                int tail = spec.intOption("tail", 0, 0, min);
                yield dry ? null : new DepthDecay(layers, alpha, min, tail);
            }
            case "adaskip" -> {
                double tau = spec.doubleArgument("a cosine threshold", -1, 1);
                double decay = spec.doubleOption("decay", 0.3, Double.MIN_VALUE, 1);
                int refresh = spec.intOption("refresh", 4, 1, Integer.MAX_VALUE);
                SublayerScope scope = SublayerScope.parse(spec.choiceOption("only", "both", "both", "attn", "ffn"));
                yield dry ? null : new AdaSkip(layers, model.config().dim(), tau, decay, refresh, scope, model.backend());
            }
            case "router" -> {
                double p = spec.doubleArgument("a skip-probability threshold", Double.MIN_VALUE, 1);
                double tau = spec.doubleOption("tau", 0.99, -1, 1);
                int epochs = spec.intOption("epochs", 2, 1, 100);
                SublayerScope scope = SublayerScope.parse(spec.choiceOption("only", "both", "both", "attn", "ffn"));
                Calibration c = calibrate(spec, calibration, dry);
                if (dry) {
                    yield null;
                }
                if (c.sequences().isEmpty()) {
                    throw spec.error("the router learns from calibration text, but the calibration given has none");
                }
                yield RouterSkip.train(model, c.sequences(), p, tau, epochs, scope, ProgressListener.NONE);
            }
            default -> throw spec.error("unknown method '" + spec.name + "'; " + USAGE);
        };
        spec.noMoreOptions();
        return m;
    }

    static String example(String name) {
        return switch (name) {
            case "exit" -> "exit:6";
            case "confidence" -> "confidence:0.9";
            case "shortgpt" -> "shortgpt:3";
            case "last" -> "last:2";
            case "unified" -> "unified:1.5";
            case "attn-drop" -> "attn-drop:4";
            case "ffn-drop" -> "ffn-drop:4";
            case "plan" -> "plan:plans/shortgpt3.json";
            case "skipdecode" -> "skipdecode:4-12";
            case "d3" -> "d3:0.98";
            case "adaskip" -> "adaskip:0.95";
            case "router" -> "router:0.5";
            default -> name;
        };
    }

    private static StaticSkip planned(Spec spec, int layers, StaticPlan plan) {
        return new StaticSkip(spec.text, plan, layers);
    }

    /** The calibration, measured only when building (a check only needs to know there will be some). */
    private static Calibration calibrate(Spec spec, Supplier<Calibration> calibration, boolean dry) {
        if (calibration == null) {
            throw spec.error("'" + spec.name + "' ranks layers on calibration text, but no calibration was supplied");
        }
        return dry ? null : calibration.get();
    }
}
