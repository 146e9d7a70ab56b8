package dev.skipllama.skip;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.skipllama.skip.calibration.Calibration;
import dev.skipllama.skip.dynamic.AdaSkip;
import dev.skipllama.skip.dynamic.DepthDecay;
import dev.skipllama.skip.dynamic.SkipDecode;
import dev.skipllama.skip.exit.ConfidenceExit;
import dev.skipllama.skip.exit.FixedExit;
import dev.skipllama.skip.plan.StaticSkip;
import dev.skipllama.tensor.ref.ReferenceBackend;
import dev.skipllama.transformer.llama.LayerAction;
import dev.skipllama.transformer.llama.Llama;
import dev.skipllama.transformer.llama.LlamaConfig;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

class SkipMethodsTest {
    private static final ReferenceBackend BACKEND = new ReferenceBackend();
    private static final LlamaConfig CONFIG = TinyModel.config(12);
    private static final Llama MODEL = new Llama(CONFIG, TinyModel.weights(CONFIG, 1), BACKEND);
    /** Made-up statistics: layer 5 most input-like, attention of 7 and FFN of 9 likewise. */
    private static final Calibration STATS = new Calibration(100,
            fill(0.5, 5, 0.99), fill(0.6, 7, 0.999), fill(0.7, 9, 0.998));

    @AfterAll
    static void close() {
        BACKEND.close();
    }

    private static double[] fill(double v, int at, double special) {
        double[] a = new double[12];
        java.util.Arrays.fill(a, v);
        a[at] = special;
        return a;
    }

    private static SkipMethod parse(String spec) {
        return SkipMethods.parse(spec, MODEL, () -> STATS);
    }

    @Test
    void everyDocumentedSpecParses() {
        assertEquals(6, ((FixedExit) parse("exit:6")).exitLayer());
        assertInstanceOf(FullModel.class, parse("full"));
        ConfidenceExit c = (ConfidenceExit) parse("confidence:0.9");
        assertEquals(11, c.exitPoints().length);
        assertEquals(java.util.List.of(3, 6, 9), java.util.Arrays.stream(((ConfidenceExit) parse("confidence:0.5,every=3,measure=margin")).exitPoints()).boxed().toList());
        assertEquals(java.util.List.of(5), plan("shortgpt:1").layersWith(LayerAction.SKIP));
        assertEquals(3, plan("shortgpt:3").layersWith(LayerAction.SKIP).size());
        assertEquals(java.util.List.of(9, 10, 11), plan("last25").layersWith(LayerAction.SKIP));
        assertEquals(java.util.List.of(10, 11), plan("last:2").layersWith(LayerAction.SKIP));
        assertEquals(8, plan("unified:1.5").layersWith(LayerAction.RUN).size());
        assertEquals(java.util.List.of(7), plan("attn-drop:1").layersWith(LayerAction.SKIP_ATTENTION));
        assertEquals(4, plan("attn-drop:4").layersWith(LayerAction.SKIP_ATTENTION).size());
        assertEquals(java.util.List.of(9), plan("ffn-drop:1").layersWith(LayerAction.SKIP_FFN));
        assertEquals(4, plan("ffn-drop:4").layersWith(LayerAction.SKIP_FFN).size());
        SkipDecode sd = (SkipDecode) parse("skipdecode:4-12");
        assertEquals(12, sd.layersAt(1));
        assertEquals(4, sd.layersAt(1000));
        assertEquals(2, ((SkipDecode) parse("skipdecode:2-6,horizon=4")).layersAt(5));
        DepthDecay d = (DepthDecay) parse("d3:0.98");
        assertEquals(11, d.layersAt(1));
        assertEquals(6, d.layersAt(1000), "default minimum is L/2");
        assertEquals(3, ((DepthDecay) parse("d3:0.5,min=3,tail=1")).layersAt(9));
        assertInstanceOf(AdaSkip.class, parse("adaskip:0.95"));
        assertInstanceOf(AdaSkip.class, parse(" adaskip:0.95, decay=0.5 ,refresh=8,only=ffn "));
        assertEquals("shortgpt:3", parse("shortgpt:3").name());
    }

    /** A method's name is a spec that rebuilds the same method. */
    @Test
    void namesParseBackToTheSameMethod() {
        for (String spec : new String[]{"full", "exit:6", "confidence:0.9,every=2,min=3,measure=margin", "shortgpt:2", "last25",
                "unified:2", "attn-drop:2", "ffn-drop:3", "skipdecode:4-12,horizon=16", "d3:0.95,min=3,tail=1",
                "adaskip:0.9,decay=0.25,refresh=5,only=attn"}) {
            SkipMethod m = parse(spec);
            SkipMethod again = parse(m.name());
            assertEquals(m.name(), again.name(), spec);
            assertEquals(m.getClass(), again.getClass(), spec);
        }
    }

    @Test
    void calibrationIsComputedOnlyForPlannersThatNeedIt() {
        AtomicInteger calls = new AtomicInteger();
        Supplier<Calibration> counting = () -> {
            calls.incrementAndGet();
            return STATS;
        };
        for (String spec : new String[]{"exit:3", "confidence:0.9", "last25", "unified:2", "skipdecode:2-8", "d3:0.9", "adaskip:0.9"}) {
            SkipMethods.parse(spec, MODEL, counting);
        }
        assertEquals(0, calls.get());
        SkipMethods.parse("ffn-drop:2", MODEL, counting);
        assertEquals(1, calls.get());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> SkipMethods.parse("shortgpt:2", MODEL, null));
        assertTrue(e.getMessage().contains("no calibration was supplied"), e.getMessage());
    }

    @Test
    void badSpecsGetClearErrors() {
        String[][] cases = {
                {"", "empty skip method spec"},
                {"warp:3", "unknown method 'warp'; known specs: full, exit:E"},
                {"exit", "'exit' needs the number of layers to run, e.g. exit:6"},
                {"exit:0", "the number of layers to run must be in [1, 12], got 0"},
                {"exit:13", "must be in [1, 12], got 13"},
                {"exit:six", "must be an integer, got 'six'"},
                {"confidence:1.5", "a confidence threshold must be in [0.0, 1.0], got 1.5"},
                {"confidence:0.9,measure=entropy", "option measure must be one of prob, margin, got 'entropy'"},
                {"confidence:0.9,every=0", "option every must be in [1, 12], got 0"},
                {"confidence:0.9,every", "option 'every' is not of the form key=value"},
                {"shortgpt:12", "must be in [0, 11], got 12"},
                {"last25:3", "'last25' takes no argument"},
                {"unified:0.5", "a target speed-up must be in [1.0, 12.0], got 0.5"},
                {"skipdecode:12-4", "max layers must be in [12, 12], got 4"},
                {"skipdecode:8", "SkipDecode needs a range min-max"},
                {"skipdecode:2-8,horizon=0", "option horizon must be in [1, "},
                {"d3:0", "the decay α must be in (0, 1.0], got 0"},
                {"d3:0.9,min=3,tail=4", "option tail must be in [0, 3], got 4"},
                {"adaskip:0.9,bogus=1", "unknown option(s) [bogus] for 'adaskip'"},
                {"adaskip:0.9,refresh=2,refresh=3", "option 'refresh' given twice"},
                {"adaskip:0.9,only=mlp", "option only must be one of both, attn, ffn"},
        };
        for (String[] c : cases) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> parse(c[0]), c[0]);
            assertTrue(e.getMessage().contains(c[1]), "spec '" + c[0] + "': want '" + c[1] + "' in: " + e.getMessage());
        }
    }

    /** Issue 14, case 9: a command line checks --skip before loading a model; what needs the model is left to parse. */
    @Test
    void specsAreCheckedWithoutAModel() {
        for (String[] c : new String[][]{
                {"warp:3", "unknown method 'warp'"}, {"exit", "'exit' needs the number of layers to run"}, {"exit:0", "got 0"},
                {"confidence:0.9,every", "not of the form key=value"}, {"d3:0", "the decay α must be in (0, 1.0]"},
                {"adaskip:0.9,bogus=1", "unknown option(s) [bogus]"}, {"shortgpt:3", "no calibration was supplied"},
                {"router:0.5", "no calibration was supplied"}, {"plan", "'plan' needs a plan file path"}}) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> SkipMethods.check(c[0], false), c[0]);
            assertTrue(e.getMessage().contains(c[1]), c[0] + ": " + e.getMessage());
        }
        for (String ok : new String[]{"exit:6", "exit:40", "confidence:0.8,every=2", "d3:0.98,min=6", "adaskip:0.95,refresh=8",
                "skipdecode:6-12", "last25", "plan:/no/such/file.json"}) {
            SkipMethods.check(ok, false); // exit:40 is for parse to refuse on a 12-layer model; the plan file is read by parse
        }
        SkipMethods.check("shortgpt:3", true);
        assertTrue(SkipMethods.isStaticPlan("shortgpt:3") && SkipMethods.isStaticPlan("plan:x.json"));
        assertTrue(!SkipMethods.isStaticPlan("router:0.5") && !SkipMethods.isStaticPlan("exit:6"));
    }

    private static dev.skipllama.skip.plan.StaticPlan plan(String spec) {
        return ((StaticSkip) parse(spec)).plan();
    }
}
