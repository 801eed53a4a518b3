package dev.cmwq;

/** Placeholder while the build is set up. */
public class Work {
}
