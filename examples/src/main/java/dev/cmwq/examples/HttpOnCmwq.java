package dev.cmwq.examples;

import com.sun.net.httpserver.HttpServer;
import dev.cmwq.Workqueue;
import dev.cmwq.WorkqueueExecutorService;
import java.io.IOException;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * The JDK's {@code HttpServer} and {@code HttpClient} on cmwq (loopback only): the server's handlers
 * run on a service, the client's async machinery on a plain {@code Workqueue} (it is an
 * {@code Executor}). Eight requests in flight at once, each handler blocking 50 ms.
 */
public final class HttpOnCmwq {
    private HttpOnCmwq() {}

    public static void main(String[] args) throws Exception {
        run(System.out);
    }

    /** Returns the bodies of the eight responses. */
    public static List<String> run(PrintStream out) throws IOException {
        HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        List<String> bodies = new ArrayList<>();
        try (WorkqueueExecutorService handlers = Workqueue.builder("http-handlers").unbound().buildExecutorService();
                Workqueue clientQueue = Workqueue.builder("http-client").unbound().build()) {
            server.setExecutor(handlers);
            server.createContext("/hello", exchange -> {
                try {
                    Thread.sleep(50); // a blocking backend call
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                byte[] body = ("hello from " + Thread.currentThread().getName()).getBytes(StandardCharsets.UTF_8);
                exchange.sendResponseHeaders(200, body.length);
                exchange.getResponseBody().write(body);
                exchange.close();
            });
            server.start();
            URI uri = URI.create("http://127.0.0.1:" + server.getAddress().getPort() + "/hello");
            try (HttpClient client = HttpClient.newBuilder().executor(clientQueue).build()) {
                List<CompletableFuture<HttpResponse<String>>> inFlight = new ArrayList<>();
                for (int i = 0; i < 8; i++) {
                    inFlight.add(client.sendAsync(HttpRequest.newBuilder(uri).build(),
                            HttpResponse.BodyHandlers.ofString()));
                }
                for (CompletableFuture<HttpResponse<String>> f : inFlight) {
                    HttpResponse<String> r = f.join();
                    bodies.add(r.body());
                    out.printf("%d %s%n", r.statusCode(), r.body());
                }
            }
        } finally {
            server.stop(0);
        }
        return bodies;
    }
}
