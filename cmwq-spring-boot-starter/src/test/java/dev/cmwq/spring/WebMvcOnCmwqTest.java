package dev.cmwq.spring;

import static org.assertj.core.api.Assertions.assertThat;

import dev.cmwq.Workqueues;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.springframework.beans.factory.annotation.Qualifier;
import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.annotation.Bean;
import org.springframework.core.task.TaskExecutor;
import org.springframework.scheduling.annotation.Async;
import org.springframework.scheduling.annotation.EnableAsync;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RestController;

/**
 * A real Spring Boot web application: embedded Tomcat on a random port, Spring MVC, the starter
 * found through its imports file, called over HTTP. A controller returning a {@code Callable} (MVC
 * async, which Boot's WebMvcAutoConfiguration runs on {@code applicationTaskExecutor}) and one
 * returning an {@code @Async} method's {@code CompletableFuture} both run on cmwq workers with no
 * code of the application's naming cmwq; and a request in flight when the context closes, with
 * {@code server.shutdown=graceful}, can still hand work to the executor as it finishes. Not in
 * {@link AbstractCmwqAutoConfigurationTest}: cmwq-spring-boot3-tests has no web server.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class WebMvcOnCmwqTest {
    /** What the handlers saw; a bean of its own, since the @Async proxy of Jobs does not share fields. */
    static class Record {
        final AtomicReference<String> requestThread = new AtomicReference<>();
        final CountDownLatch inFlightStarted = new CountDownLatch(1);
        final CountDownLatch inFlightRelease = new CountDownLatch(1);
        /** The thread the in-flight request's handed-over task ran on, or the executor's refusal. */
        final CompletableFuture<String> handedOver = new CompletableFuture<>();
    }

    /** "thread name|workqueue name" of the caller; the queue is "-" off cmwq. */
    static String whereAmI() {
        var wq = Workqueues.currentWorkqueue();
        return Thread.currentThread().getName() + "|" + (wq == null ? "-" : wq.name());
    }

    static class Jobs {
        @Async
        public CompletableFuture<String> whereAmI() {
            return CompletableFuture.completedFuture(WebMvcOnCmwqTest.whereAmI());
        }
    }

    @RestController
    static class Threads {
        private final Record record;
        private final Jobs jobs;
        private final TaskExecutor executor;

        Threads(Record record, Jobs jobs, @Qualifier("applicationTaskExecutor") TaskExecutor executor) {
            this.record = record;
            this.jobs = jobs;
            this.executor = executor;
        }

        /** MVC async: Spring MVC runs the Callable on its async executor, which Boot wires. */
        @GetMapping("/callable")
        Callable<String> callable() {
            record.requestThread.set(Thread.currentThread().getName());
            return WebMvcOnCmwqTest::whereAmI;
        }

        @GetMapping("/async")
        CompletableFuture<String> async() {
            record.requestThread.set(Thread.currentThread().getName());
            return jobs.whereAmI();
        }

        /** Holds its Tomcat thread until released, then hands a task to the executor as it finishes. */
        @GetMapping("/in-flight")
        String inFlight() throws InterruptedException {
            record.inFlightStarted.countDown();
            if (!record.inFlightRelease.await(20, TimeUnit.SECONDS)) {
                return "never released";
            }
            try {
                executor.execute(() -> record.handedOver.complete(Thread.currentThread().getName()));
            } catch (RejectedExecutionException e) {
                record.handedOver.completeExceptionally(e);
                return "refused";
            }
            return "handed over";
        }
    }

    /** The application: no component scan (the package holds the other tests' configurations). */
    @SpringBootConfiguration(proxyBeanMethods = false)
    @EnableAutoConfiguration
    @EnableAsync
    static class WebApp {
        @Bean
        Record record() {
            return new Record();
        }

        @Bean
        Jobs jobs() {
            return new Jobs();
        }

        @Bean
        Threads threads(Record record, Jobs jobs, @Qualifier("applicationTaskExecutor") TaskExecutor executor) {
            return new Threads(record, jobs, executor);
        }
    }

    private static ConfigurableApplicationContext start(String... properties) {
        return new SpringApplicationBuilder(WebApp.class)
                .properties("server.port=0", "server.address=127.0.0.1", "spring.main.banner-mode=off",
                        "spring.main.log-startup-info=false", "logging.level.root=warn")
                .properties(properties)
                .registerShutdownHook(false)
                .run();
    }

    private static int port(ConfigurableApplicationContext ctx) {
        return ctx.getEnvironment().getRequiredProperty("local.server.port", Integer.class);
    }

    private static final HttpClient CLIENT = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();

    private static HttpRequest get(ConfigurableApplicationContext ctx, String path) {
        return HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port(ctx) + path))
                .timeout(Duration.ofSeconds(20)).build();
    }

    private static String call(ConfigurableApplicationContext ctx, String path) throws Exception {
        HttpResponse<String> response = CLIENT.send(get(ctx, path), HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).as("status of " + path + ": " + response.body()).isEqualTo(200);
        return response.body();
    }

    @Test
    void mvcAsyncCallableRunsOnACmwqWorker() throws Exception {
        try (ConfigurableApplicationContext ctx = start()) {
            assertThat(ctx.getBean("applicationTaskExecutor")).isInstanceOf(WorkqueueTaskExecutor.class);
            String ranOn = call(ctx, "/callable");
            assertThat(ranOn).as("the Callable's thread|queue").startsWith("kworker/").endsWith("|applicationTaskExecutor");
            assertThat(ctx.getBean(Record.class).requestThread.get()).as("the request's thread").startsWith("http-nio-");
        }
    }

    @Test
    void asyncMethodBehindAControllerRunsOnACmwqWorker() throws Exception {
        try (ConfigurableApplicationContext ctx = start()) {
            String ranOn = call(ctx, "/async");
            assertThat(ranOn).as("the @Async method's thread|queue").startsWith("kworker/").endsWith("|applicationTaskExecutor");
            assertThat(ctx.getBean(Record.class).requestThread.get()).as("the request's thread").startsWith("http-nio-");
        }
    }

    /** The control: the same application with the starter off runs both on Boot's own pool. */
    @Test
    void withTheStarterOffBothRunOnBootsTaskThreads() throws Exception {
        try (ConfigurableApplicationContext ctx = start("cmwq.enabled=false")) {
            assertThat(call(ctx, "/callable")).startsWith("task-").endsWith("|-");
            assertThat(call(ctx, "/async")).startsWith("task-").endsWith("|-");
        }
    }

    /**
     * Whether the server still accepts connections on {@code port}: false once a connection is
     * refused, or reset while it was being made (the server closed its socket with the connection
     * in its backlog).
     */
    private static boolean accepts(int port) {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress("127.0.0.1", port), 10_000);
            return true;
        } catch (SocketException e) {
            return false;
        } catch (IOException e) {
            throw new AssertionError("connecting to the server", e);
        }
    }

    /**
     * Graceful shutdown with the real server: the context closes while a request is in flight; the
     * server stops accepting connections and waits for the request, the executor meanwhile still
     * accepts work, and the task the request hands over as it finishes runs on a cmwq worker. The
     * executor stops after the server (phase {@code DEFAULT_PHASE - 3072}).
     */
    @Test
    void aRequestFinishingDuringGracefulShutdownCanStillHandWorkOver() throws Exception {
        ConfigurableApplicationContext ctx = start("server.shutdown=graceful");
        Record record = ctx.getBean(Record.class);
        Thread closer = new Thread(ctx::close, "closer");
        try {
            int port = port(ctx);
            WorkqueueTaskExecutor executor = ctx.getBean(WorkqueueTaskExecutor.class);
            CompletableFuture<HttpResponse<String>> inFlight = CLIENT.sendAsync(get(ctx, "/in-flight"),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(record.inFlightStarted.await(20, TimeUnit.SECONDS)).as("the request to start").isTrue();
            closer.start();
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
            while (accepts(port)) {
                assertThat(System.nanoTime() - deadline).as("the server to stop accepting connections").isNegative();
                Thread.onSpinWait();
            }
            assertThat(inFlight).as("the request, held, is still in flight").isNotDone();
            assertThat(executor.getService().isShutdown()).as("the executor, while the server drains").isFalse();
            record.inFlightRelease.countDown();
            HttpResponse<String> response = inFlight.get(20, TimeUnit.SECONDS);
            assertThat(response.statusCode()).isEqualTo(200);
            assertThat(response.body()).isEqualTo("handed over");
            assertThat(record.handedOver).succeedsWithin(Duration.ofSeconds(20)).asString().startsWith("kworker/");
            closer.join(TimeUnit.SECONDS.toMillis(20));
            assertThat(closer.isAlive()).as("the close returned").isFalse();
            assertThat(executor.getService().isTerminated()).as("the executor, once closed").isTrue();
        } finally {
            record.inFlightRelease.countDown(); // a failed case leaves no request, nor close, waiting
            if (closer.getState() == Thread.State.NEW) {
                ctx.close();
            }
        }
    }
}
