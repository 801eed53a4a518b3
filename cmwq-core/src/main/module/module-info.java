/**
 * cmwq: Concurrency Managed Workqueues for the JVM.
 *
 * <p>{@code dev.cmwq} is the idiomatic Java API; {@code dev.cmwq.linux} is the kernel's API
 * verbatim over the same engine. The timer wheel ({@code dev.cmwq.timer}) is internal.
 */
module dev.cmwq {
    requires java.management;
    requires jdk.jfr;

    exports dev.cmwq;
    exports dev.cmwq.linux;
    exports dev.cmwq.management;
}
