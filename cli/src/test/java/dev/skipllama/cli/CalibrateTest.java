package dev.skipllama.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.skipllama.skip.plan.PlanFile;
import dev.skipllama.skip.plan.StaticPlan;
import dev.skipllama.transformer.llama.LayerAction;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CalibrateTest {

    /** calibrate writes a ShortGPT plan for the embedded model that removes exactly the asked number of layers. */
    @Test
    void writesAPlanFileThatGenerateCanLoad(@TempDir Path dir) throws Exception {
        Path plan = dir.resolve("plan.json");
        Main.main(new String[]{"calibrate", "--model", "../models/tiny-layerskip", "--method", "shortgpt:3",
                "--calibration", "../models/tiny-layerskip/eval/heldout.txt", "--out", plan.toString(), "--threads", "2"});
        StaticPlan p = PlanFile.read(plan);
        assertEquals(12, p.actions().size());
        assertEquals(3, p.actions().stream().filter(a -> a == LayerAction.SKIP).count());
        Main.main(new String[]{"generate", "--model", "../models/tiny-layerskip", "--skip", "plan:" + plan, "--tokens", "4",
                "--threads", "2"});
    }
}
