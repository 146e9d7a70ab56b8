package dev.skipllama.tensor.cuda;

import net.jqwik.api.lifecycle.LifecycleContext;
import net.jqwik.api.lifecycle.SkipExecutionHook;

/**
 * Skips a jqwik container, with the reason, where CUDA is unavailable. (jqwik counts a JUnit
 * assumption failing inside a property as a rejected try and then fails the property for too many
 * rejections, so property containers skip through this hook; JUnit tests use Assumptions.)
 */
public final class CudaRequired implements SkipExecutionHook {
    @Override
    public SkipResult shouldBeSkipped(LifecycleContext context) {
        return CudaBackend.isAvailable() ? SkipResult.doNotSkip()
                : SkipResult.skip("CUDA is unavailable: " + CudaBackend.unavailableReason());
    }
}
