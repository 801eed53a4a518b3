package consumer.boot;

import io.micrometer.core.instrument.MeterRegistry;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.springframework.boot.Banner;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.scheduling.annotation.Async;
import org.springframework.scheduling.annotation.EnableAsync;

/**
 * A Boot application with the starter and Boot's metrics, and no code for cmwq: @Async runs on a
 * cmwq worker, and Boot's registry has cmwq's meters, though the build never names cmwq-micrometer.
 * Exits 0 and prints one line if it all works.
 */
public final class Main {
    private Main() {}

    /** A bean with an @Async method. */
    public static class Jobs {
        /**
         * Where the call ran.
         *
         * @return the name of the thread that ran it
         */
        @Async
        public CompletableFuture<String> whereAmI() {
            return CompletableFuture.completedFuture(Thread.currentThread().getName());
        }
    }

    /** The application. */
    @Configuration(proxyBeanMethods = false)
    @EnableAutoConfiguration
    @EnableAsync
    public static class App {
        @Bean
        Jobs jobs() {
            return new Jobs();
        }
    }

    public static void main(String[] args) throws Exception {
        try (ConfigurableApplicationContext ctx = new SpringApplicationBuilder(App.class)
                .web(WebApplicationType.NONE).bannerMode(Banner.Mode.OFF).logStartupInfo(false)
                .properties("logging.level.root=warn").run(args)) {
            String executor = ctx.getBean("applicationTaskExecutor").getClass().getName();
            check(executor.equals("dev.cmwq.spring.WorkqueueTaskExecutor"), "applicationTaskExecutor is " + executor);
            String thread = ctx.getBean(Jobs.class).whereAmI().get(30, TimeUnit.SECONDS);
            check(thread.startsWith("kworker/"), "@Async ran on " + thread);
            MeterRegistry registry = ctx.getBean(MeterRegistry.class);
            var completed = registry.find("executor.completed").tag("name", "applicationTaskExecutor").functionCounter();
            check(completed != null, "Boot's registry has executor.completed for applicationTaskExecutor");
            check(registry.find("cmwq.workers.live").gauge() != null, "Boot's registry has cmwq.workers.live");
        }
        System.out.println("consumer-check: the starter works in a Spring Boot application, with cmwq's meters in Boot's registry");
    }

    private static void check(boolean ok, String what) {
        if (!ok) {
            throw new AssertionError("consumer-check failed: " + what);
        }
    }
}
