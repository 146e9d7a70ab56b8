package dev.skipllama.transformer;

/**
 * Told how far a long job (converting, quantizing, calibrating, evaluating) has come, in the job's
 * own units (bytes, passages, tokens). Called on the working thread; keep it cheap.
 */
@FunctionalInterface
public interface ProgressListener {
    ProgressListener NONE = (done, total) -> { };

    void progress(long done, long total);
}
