package dev.skipllama.server;

import dev.skipllama.tensor.DType;
import dev.skipllama.transformer.llama.KvCache;
import java.nio.file.Path;

/**
 * How the server listens and how much it takes on.
 *
 * @param host          address to bind (127.0.0.1: this machine only)
 * @param port          TCP port; 0 picks a free one ({@link OpenAiServer#port()} tells which)
 * @param apiKey        when not null, every /v1 request needs {@code Authorization: Bearer apiKey} (401 otherwise)
 * @param parallel      generations running at once
 * @param queue         requests waiting beyond those; one more is answered 503 with Retry-After
 * @param context       KV positions per generation (prompt + completion), at most the model's context
 * @param maxBodyBytes  largest request body accepted (413 beyond)
 * @param modelId       the model's name in /v1/models and responses
 * @param drainSeconds  on {@link OpenAiServer#close()}, how long running requests may take to finish
 * @param planDir       directory {@code skip: "plan:NAME"} may read plan files from, or null to refuse plan files
 * @param kvType        the sessions' KV cache element type: F32, or F16 (half the memory, llama.cpp's arithmetic)
 */
public record ServerConfig(String host, int port, String apiKey, int parallel, int queue, int context, int maxBodyBytes,
                           String modelId, int drainSeconds, Path planDir, DType kvType) {
    public ServerConfig {
        if (port < 0 || port > 65535) {
            throw new IllegalArgumentException("port must be in [0, 65535], got " + port);
        }
        if (parallel < 1 || parallel > 1024) {
            throw new IllegalArgumentException("parallel must be in [1, 1024], got " + parallel);
        }
        if (queue < 0) {
            throw new IllegalArgumentException("queue must be >= 0, got " + queue);
        }
        if (context < 2) {
            throw new IllegalArgumentException("context must be at least 2, got " + context);
        }
        if (maxBodyBytes < 1024) {
            throw new IllegalArgumentException("maxBodyBytes must be at least 1024, got " + maxBodyBytes);
        }
        if (apiKey != null && apiKey.isBlank()) {
            throw new IllegalArgumentException("an API key must not be blank");
        }
        KvCache.requireType(kvType);
        if (drainSeconds < 0) {
            throw new IllegalArgumentException("drainSeconds must be >= 0, got " + drainSeconds);
        }
    }

    /** Loopback, port 8080, no key, 1 generation at a time with 16 waiting, 4096 positions, 1 MiB bodies, 30 s drain, an F32 KV cache. */
    public static ServerConfig defaults(String modelId) {
        return new ServerConfig("127.0.0.1", 8080, null, 1, 16, 4096, 1 << 20, modelId, 30, null, DType.F32);
    }

    public ServerConfig withPort(int p) {
        return new ServerConfig(host, p, apiKey, parallel, queue, context, maxBodyBytes, modelId, drainSeconds, planDir, kvType);
    }

    public ServerConfig withHost(String h) {
        return new ServerConfig(h, port, apiKey, parallel, queue, context, maxBodyBytes, modelId, drainSeconds, planDir, kvType);
    }

    public ServerConfig withApiKey(String k) {
        return new ServerConfig(host, port, k, parallel, queue, context, maxBodyBytes, modelId, drainSeconds, planDir, kvType);
    }

    public ServerConfig withParallel(int n, int waiting) {
        return new ServerConfig(host, port, apiKey, n, waiting, context, maxBodyBytes, modelId, drainSeconds, planDir, kvType);
    }

    public ServerConfig withContext(int n) {
        return new ServerConfig(host, port, apiKey, parallel, queue, n, maxBodyBytes, modelId, drainSeconds, planDir, kvType);
    }

    public ServerConfig withMaxBodyBytes(int n) {
        return new ServerConfig(host, port, apiKey, parallel, queue, context, n, modelId, drainSeconds, planDir, kvType);
    }

    public ServerConfig withDrainSeconds(int s) {
        return new ServerConfig(host, port, apiKey, parallel, queue, context, maxBodyBytes, modelId, s, planDir, kvType);
    }

    public ServerConfig withKvType(DType type) {
        return new ServerConfig(host, port, apiKey, parallel, queue, context, maxBodyBytes, modelId, drainSeconds, planDir, type);
    }

    public ServerConfig withPlanDir(Path dir) {
        return new ServerConfig(host, port, apiKey, parallel, queue, context, maxBodyBytes, modelId, drainSeconds, dir, kvType);
    }
}
