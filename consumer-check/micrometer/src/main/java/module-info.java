/** A user's module that meters its queues: cmwq-micrometer and Micrometer are automatic modules. */
module consumer.micrometer {
    requires dev.cmwq;
    requires dev.cmwq.micrometer;
    requires micrometer.core;
}
