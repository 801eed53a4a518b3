package dev.cmwq;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Real JDK clients on cmwq executors: an HttpServer whose handlers block, served by a per-CPU
 * service, called by an HttpClient whose executor is a plain Workqueue (loopback only).
 */
@Timeout(60)
class JdkClientsTest {
    private HttpServer server;
    private WorkqueueExecutorService handlers;
    private Workqueue clientQueue;

    @AfterEach
    void tearDown() throws InterruptedException {
        if (server != null) {
            server.stop(0);
        }
        if (handlers != null) {
            handlers.shutdownNow();
            assertThat(handlers.awaitTermination(Probe.TIMEOUT_SECONDS, TimeUnit.SECONDS)).isTrue();
        }
        if (clientQueue != null) {
            clientQueue.destroy();
        }
    }

    /**
     * N concurrent requests whose handlers all block until the last one has arrived: they can
     * only complete if the service runs all N at once on a per-CPU queue whose tasks were all
     * submitted from one thread (the server's dispatcher), so from one lane. The handlers block
     * unannounced (a latch): the sampler sees them and starts the next.
     */
    @Test
    void anHttpServerOnAServiceServesConcurrentBlockingRequestsForAnHttpClientOnAWorkqueue() throws Exception {
        int n = 8;
        CountDownLatch allArrived = new CountDownLatch(n);
        AtomicInteger served = new AtomicInteger();
        handlers = Workqueue.builder("http-handlers").buildExecutorService();
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/", exchange -> {
            allArrived.countDown();
            boolean together = await(allArrived);
            byte[] body = ((together ? "together " : "alone ") + exchange.getRequestURI().getPath()).getBytes(StandardCharsets.UTF_8);
            exchange.sendResponseHeaders(200, body.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(body);
            }
            served.incrementAndGet();
        });
        server.setExecutor(handlers);
        server.start();

        clientQueue = Workqueue.builder("http-client").unbound().build();
        HttpClient client = HttpClient.newBuilder().executor(clientQueue).connectTimeout(Duration.ofSeconds(10)).build();
        URI base = URI.create("http://" + server.getAddress().getHostString() + ":" + server.getAddress().getPort());
        List<CompletableFuture<String>> responses = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            HttpRequest req = HttpRequest.newBuilder(base.resolve("/r" + i)).timeout(Duration.ofSeconds(Probe.TIMEOUT_SECONDS)).build();
            responses.add(client.sendAsync(req, HttpResponse.BodyHandlers.ofString()).thenApply(HttpResponse::body));
        }
        for (int i = 0; i < n; i++) {
            assertThat(responses.get(i).get(Probe.TIMEOUT_SECONDS, TimeUnit.SECONDS)).isEqualTo("together /r" + i);
        }
        assertThat(served.get()).isEqualTo(n);
        assertThat(handlers.workqueue().stats().completed()).as("the handlers ran on the service's queue").isGreaterThanOrEqualTo(n);
        assertThat(clientQueue.stats().completed()).as("the client used its executor").isPositive();
    }

    private static boolean await(CountDownLatch latch) throws IOException {
        try {
            return latch.await(Probe.TIMEOUT_SECONDS, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted", e);
        }
    }
}
