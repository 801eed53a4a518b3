package dev.cmwq.cli;

/** Placeholder while the build is set up. */
public final class Main {
    public static void main(String[] args) {
        System.out.println("cmwq");
    }
}
