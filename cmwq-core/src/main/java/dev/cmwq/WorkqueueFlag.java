package dev.cmwq;

import java.util.EnumSet;
import java.util.Objects;
import java.util.Set;

/**
 * The flags of a {@link Workqueue}, the kernel's {@code enum wq_flags}. Each constant carries the
 * kernel's bit value ({@link #bit()}), which the Linux API ({@code dev.cmwq.linux}) uses verbatim.
 */
public enum WorkqueueFlag {
    /**
     * A BH workqueue (kernel 6.9, the tasklet replacement): per lane, items run one at a time in
     * queueing order on the lane's BH worker, and must not sleep: a cmwq wait or a blocking bracket
     * from a BH item throws {@code IllegalStateException}. Only {@link #HIGHPRI} and {@link #PERCPU}
     * may accompany it, and {@code max_active} must be 0.
     */
    BH(Workqueue.WQ_BH),
    /**
     * Served by unbound pools, with {@code max_active} for the whole queue. Unlike the kernel's,
     * an unbound pool (shared by the unbound queues of one priority) runs at most as many items
     * at once as there are lanes, unless one blocks
     * ({@code -Dcmwq.unboundConcurrency=false}: the kernel's, no concurrency management).
     */
    UNBOUND(Workqueue.WQ_UNBOUND),
    /** Paused while the system is frozen ({@code freeze_workqueues_begin()}). */
    FREEZABLE(Workqueue.WQ_FREEZABLE),
    /** Guaranteed forward progress: the queue gets a dedicated rescuer thread. */
    MEM_RECLAIM(Workqueue.WQ_MEM_RECLAIM),
    /** Served by the high-priority pools ({@code kworker/N:MH}). */
    HIGHPRI(Workqueue.WQ_HIGHPRI),
    /** Per-CPU only: a running item needs a concurrency slot to start but does not hold it. */
    CPU_INTENSIVE(Workqueue.WQ_CPU_INTENSIVE),
    /** Register the queue for management (JMX) at creation. */
    SYSFS(Workqueue.WQ_SYSFS),
    /** Per-CPU unless power-efficient mode ({@code -Dcmwq.powerEfficient=true}) is on, then unbound. */
    POWER_EFFICIENT(Workqueue.WQ_POWER_EFFICIENT),
    /** Explicitly per-CPU, the complement of {@link #UNBOUND}. */
    PERCPU(Workqueue.WQ_PERCPU);

    private final int bit;

    WorkqueueFlag(int bit) {
        this.bit = bit;
    }

    /**
     * The kernel's bit value of this flag, e.g. {@code WQ_UNBOUND = 1 << 1}.
     *
     * @return a single bit, the same as the kernel's {@code enum wq_flags} value
     */
    public int bit() {
        return bit;
    }

    /** Every bit that names a flag; any other bit is unknown. */
    static final int KNOWN_BITS = knownBits();

    /** From values(), not EnumSet.allOf: an EnumSet's first use reflects on values() (milliseconds at first use). */
    private static int knownBits() {
        int bits = 0;
        for (WorkqueueFlag f : values()) {
            bits |= f.bit;
        }
        return bits;
    }

    /**
     * The bits of {@code flags}, OR-ed.
     *
     * @param flags the flags; neither the set nor an element may be null (NullPointerException)
     * @return the flags' {@link #bit()}s OR-ed; 0 for an empty set
     * @throws NullPointerException if {@code flags} is null
     */
    public static int bitsOf(Set<WorkqueueFlag> flags) {
        int bits = 0;
        for (WorkqueueFlag f : Objects.requireNonNull(flags, "flags is null in WorkqueueFlag.bitsOf(flags)")) {
            bits |= f.bit;
        }
        return bits;
    }

    /**
     * The flags named by {@code bits}.
     *
     * @param bits kernel flag bits, as {@link #bitsOf} makes them; 0 gives an empty set
     * @return a new, modifiable set of the flags whose bits are set
     * @throws IllegalArgumentException if {@code bits} has a bit that names no flag
     */
    public static EnumSet<WorkqueueFlag> fromBits(int bits) {
        int unknown = bits & ~KNOWN_BITS;
        if (unknown != 0) {
            throw new IllegalArgumentException(
                    "unknown workqueue flag bits 0x" + Integer.toHexString(unknown) + " in flags 0x"
                            + Integer.toHexString(bits));
        }
        EnumSet<WorkqueueFlag> set = EnumSet.noneOf(WorkqueueFlag.class);
        for (WorkqueueFlag f : values()) {
            if ((bits & f.bit) != 0) {
                set.add(f);
            }
        }
        return set;
    }
}
