/** A user's module that requires cmwq. */
module consumer.check {
    requires dev.cmwq;
}
