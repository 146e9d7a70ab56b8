package com.example;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;

class AppTest {
    @Test
    void theInstalledLibraryGeneratesAndSelfSpeculationIsExact() throws Exception {
        String[] t = App.threeWays(Path.of("../../models/tiny-layerskip"), "Once upon a time", 16, 6);
        assertFalse(t[0].isBlank());
        assertFalse(t[1].isBlank());
        assertEquals(t[0], t[2], "self-speculative greedy decoding produces the full model's text");
    }
}
