package dev.skipllama.skip;

/**
 * A skipping-method spec that does not describe a method: an unknown name, a missing or malformed
 * argument, an option out of range. A command line reports it as a usage error (the user fixes the
 * spec), unlike an error in a file the spec names, such as a plan file's content.
 */
public final class SkipSpecException extends IllegalArgumentException {
    public SkipSpecException(String message) {
        super(message);
    }
}
