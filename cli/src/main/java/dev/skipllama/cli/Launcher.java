package dev.skipllama.cli;

import java.nio.file.Path;

/**
 * The jar's entry point. It checks, before any class that uses the Vector API is loaded, that the
 * JVM was started with {@code --add-modules jdk.incubator.vector}: {@code java -jar skipllama.jar}
 * alone would otherwise die with a {@code NoClassDefFoundError}. This class must not refer to any
 * class of the engine except {@link Main}, and to that only after the check.
 */
public final class Launcher {
    private Launcher() {
    }

    public static void main(String[] args) {
        if (ModuleLayer.boot().findModule("jdk.incubator.vector").isEmpty()) {
            System.err.println("skipllama: this JVM was started without the Vector API module (jdk.incubator.vector). Run it as");
            System.err.println("  java --add-modules jdk.incubator.vector --enable-native-access=ALL-UNNAMED -jar " + jar()
                    + (args.length > 0 ? " " + String.join(" ", args) : ""));
            System.err.println("or with bin/skipllama, which adds these options.");
            System.exit(2);
        }
        Main.main(args);
    }

    private static String jar() {
        try {
            return Path.of(Launcher.class.getProtectionDomain().getCodeSource().getLocation().toURI()).toString();
        } catch (Exception e) {
            return "skipllama.jar";
        }
    }
}
