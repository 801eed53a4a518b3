package dev.cmwq.linux;

/** Placeholder while the build is set up. */
public final class LinuxWorkqueue {
    private LinuxWorkqueue() {}
}
