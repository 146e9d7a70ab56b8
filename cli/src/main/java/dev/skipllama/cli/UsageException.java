package dev.skipllama.cli;

/** A command line the user must fix: printed with a pointer to {@code --help}, exit status 2. */
final class UsageException extends RuntimeException {
    UsageException(String message) {
        super(message);
    }
}
