package dev.skipllama.cli;

import java.io.BufferedReader;
import java.io.PrintStream;

/** Where a command reads and writes: the process's streams, or a test's. */
record Io(BufferedReader in, PrintStream out, PrintStream err, boolean terminal) {
}
