package dev.skipllama.tensor;

/**
 * Where a tensor's bytes live: {@link #HOST} memory that Java can read, or a device such as
 * {@code cuda:0} whose memory only its backend's kernels and copies may touch.
 *
 * @param name {@code "host"}, or a device name such as {@code "cuda:0"}
 */
public record Location(String name) {
    public static final Location HOST = new Location("host");

    public Location {
        if (name == null || name.isBlank()) {
            throw new IllegalArgumentException("a location needs a name");
        }
    }

    public boolean isHost() {
        return this.equals(HOST);
    }

    @Override
    public String toString() {
        return name;
    }
}
