/*
 * A bounded load run against a running `skipllama serve` on this machine: N clients, each sending
 * streaming chat completions one after another for S seconds, then it prints requests served, errors,
 * first-token latency (p50/p99) and tokens/s. Loopback only, and it stops by itself.
 *
 *   java server/load/LoadRun.java http://127.0.0.1:18081 16 60 [max_tokens]
 */

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

public class LoadRun {
    public static void main(String[] args) throws Exception {
        URI base = URI.create(args[0]);
        String host = base.getHost();
        if (!(host.equals("localhost") || host.startsWith("127.") || host.equals("[::1]") || host.equals("::1"))) {
            throw new IllegalArgumentException("load runs go to this machine only (loopback), not " + host);
        }
        int clients = Integer.parseInt(args[1]);
        long seconds = Long.parseLong(args[2]);
        int maxTokens = args.length > 3 ? Integer.parseInt(args[3]) : 48;
        String[] prompts = {"Tell me a story about a cat.", "What is the sea like?", "Write about a red ball.", "Why do dogs bark?",
                "The king was sad because", "Describe a small town.", "Once there was a girl who", "What did the old man find?"};
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
        long end = System.nanoTime() + seconds * 1_000_000_000L;
        ConcurrentLinkedQueue<Long> firstToken = new ConcurrentLinkedQueue<>();
        ConcurrentLinkedQueue<String> errors = new ConcurrentLinkedQueue<>();
        AtomicInteger served = new AtomicInteger();
        AtomicLong pieces = new AtomicLong();
        List<Thread> threads = new ArrayList<>();
        long t0 = System.nanoTime();
        for (int c = 0; c < clients; c++) {
            int id = c;
            threads.add(Thread.ofPlatform().start(() -> {
                for (int k = 0; System.nanoTime() < end; k++) {
                    String body = "{\"messages\":[{\"role\":\"user\",\"content\":\"" + prompts[(id + k) % prompts.length]
                            + "\"}],\"stream\":true,\"max_tokens\":" + maxTokens + ",\"temperature\":0.8,\"seed\":" + (id * 1000 + k) + "}";
                    HttpRequest req = HttpRequest.newBuilder(base.resolve("/v1/chat/completions")).timeout(Duration.ofSeconds(120))
                            .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body)).build();
                    long start = System.nanoTime();
                    try {
                        HttpResponse<java.io.InputStream> r = http.send(req, HttpResponse.BodyHandlers.ofInputStream());
                        if (r.statusCode() != 200) {
                            errors.add("status " + r.statusCode() + ": " + new String(r.body().readAllBytes(), StandardCharsets.UTF_8));
                            continue;
                        }
                        boolean first = true, done = false;
                        try (BufferedReader in = new BufferedReader(new InputStreamReader(r.body(), StandardCharsets.UTF_8))) {
                            for (String line; (line = in.readLine()) != null; ) {
                                if (line.equals("data: [DONE]")) {
                                    done = true;
                                } else if (line.startsWith("data: ") && line.contains("\"content\":\"") && !line.contains("\"content\":\"\"")) {
                                    if (first) {
                                        firstToken.add(System.nanoTime() - start);
                                        first = false;
                                    }
                                    pieces.incrementAndGet();
                                } else if (line.startsWith("data: ") && line.contains("\"error\"")) {
                                    errors.add(line);
                                }
                            }
                        }
                        if (done) {
                            served.incrementAndGet();
                        } else {
                            errors.add("stream ended without [DONE]");
                        }
                    } catch (Exception e) {
                        errors.add(e.toString());
                    }
                }
            }));
        }
        for (Thread t : threads) {
            t.join();
        }
        double secs = (System.nanoTime() - t0) / 1e9;
        List<Long> ttft = new ArrayList<>(firstToken);
        Collections.sort(ttft);
        System.out.printf(Locale.ROOT, "%d clients, %.0f s: %d requests served, %d errors, %d streamed pieces (%.1f/s)%n", clients, secs,
                served.get(), errors.size(), pieces.get(), pieces.get() / secs);
        if (!ttft.isEmpty()) {
            System.out.printf(Locale.ROOT, "first-token latency: p50 %.0f ms, p99 %.0f ms, max %.0f ms (%d samples)%n",
                    pct(ttft, 50), pct(ttft, 99), ttft.getLast() / 1e6, ttft.size());
        }
        errors.stream().distinct().limit(5).forEach(e -> System.out.println("error: " + e));
    }

    static double pct(List<Long> sorted, int p) {
        int i = (int) Math.ceil(p / 100.0 * sorted.size()) - 1;
        return sorted.get(Math.max(0, Math.min(sorted.size() - 1, i))) / 1e6;
    }
}
