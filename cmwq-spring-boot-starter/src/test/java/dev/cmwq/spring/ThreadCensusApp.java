package dev.cmwq.spring;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.autoconfigure.task.TaskExecutionAutoConfiguration;
import org.springframework.boot.autoconfigure.task.TaskSchedulingAutoConfiguration;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.scheduling.annotation.Async;
import org.springframework.scheduling.annotation.EnableAsync;
import org.springframework.scheduling.annotation.EnableScheduling;
import org.springframework.scheduling.annotation.Scheduled;

/**
 * The sample app: the same application (200 {@code @Async} calls that block 20 ms, from one
 * thread, plus a {@code @Scheduled} task every 10 ms) with Boot's executors and with the starter's;
 * prints the JVM's peak thread count and the live count 1 s and 10 s after the calls for each. Run:
 * {@code java -cp <test classpath> dev.cmwq.spring.ThreadCensusApp [boot|cmwq|cmwq8]}, one mode per JVM
 * (thread counts are per JVM).
 */
public final class ThreadCensusApp {
    private ThreadCensusApp() {}

    static class Service {
        @Async
        public CompletableFuture<Integer> call(int i) throws InterruptedException {
            Thread.sleep(20);
            return CompletableFuture.completedFuture(i);
        }

        @Scheduled(fixedRate = 10)
        public void tick() {}
    }

    @Configuration(proxyBeanMethods = false)
    @EnableAsync
    @EnableScheduling
    static class App {
        @Bean
        Service service() {
            return new Service();
        }
    }

    public static void main(String[] args) {
        String mode = args.length == 0 ? "cmwq" : args[0];
        ThreadMXBean threads = ManagementFactory.getThreadMXBean();
        int before = threads.getThreadCount();
        new ApplicationContextRunner()
                .withConfiguration(AutoConfigurations.of(CmwqAutoConfiguration.class,
                        CmwqSchedulingAutoConfiguration.class, TaskExecutionAutoConfiguration.class,
                        TaskSchedulingAutoConfiguration.class))
                .withUserConfiguration(App.class)
                .withPropertyValues("cmwq.enabled=" + mode.startsWith("cmwq"),
                        // cmwq8: max_active 8, the thread budget of Boot's default pool
                        "cmwq.execution.max-active=" + (mode.equals("cmwq8") ? 8 : 0))
                .run(ctx -> {
                    threads.resetPeakThreadCount();
                    Service s = ctx.getBean(Service.class);
                    long start = System.nanoTime();
                    List<CompletableFuture<Integer>> calls = new ArrayList<>();
                    for (int i = 0; i < 200; i++) {
                        calls.add(s.call(i));
                    }
                    CompletableFuture.allOf(calls.toArray(CompletableFuture[]::new)).join();
                    long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
                    Thread.sleep(1000);
                    int after1s = threads.getThreadCount();
                    Thread.sleep(9000); // past cmwq's idle timeout (5 s): the threads the app keeps
                    System.out.printf("%s: 200 x @Async sleep(20) in %d ms; threads before context %d, peak %d,"
                            + " live 1 s after %d, 10 s after %d; executor %s%n", mode, ms, before,
                            threads.getPeakThreadCount(), after1s, threads.getThreadCount(),
                            ctx.getBean("applicationTaskExecutor").getClass().getSimpleName());
                });
    }
}
