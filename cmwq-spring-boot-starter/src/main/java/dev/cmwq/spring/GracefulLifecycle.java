package dev.cmwq.spring;

import org.springframework.beans.factory.DisposableBean;
import org.springframework.context.SmartLifecycle;

/** The lifecycle of a bean that owns a cmwq service: started with it, stopped by {@link GracefulShutdown}. */
interface GracefulLifecycle extends SmartLifecycle, DisposableBean {
    GracefulShutdown shutdown();

    @Override
    default void start() {}

    @Override
    default void stop() {
        shutdown().stop();
    }

    @Override
    default boolean isRunning() {
        return shutdown().isRunning();
    }

    @Override
    default int getPhase() {
        return GracefulShutdown.PHASE;
    }

    @Override
    default void destroy() {
        shutdown().destroy();
    }
}
