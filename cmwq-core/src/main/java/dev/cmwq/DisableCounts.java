package dev.cmwq;

import java.lang.ref.ReferenceQueue;
import java.lang.ref.WeakReference;
import java.util.HashMap;

/**
 * The disable counts above 1 (nested {@link Work#disable()} calls): a disabled item's state word
 * keeps one DISABLED bit, and this table the count when it is more than one. Keyed by the item's
 * identity, weakly, so that a disabled item nobody holds any more is not kept alive by its count.
 * Every read and change, and the DISABLED bit's changes with them, happen under {@link #LOCK};
 * disabling and enabling are rare, and the queueing path never comes here.
 */
final class DisableCounts {
    /** Guards the table and every change of an item's DISABLED bit. */
    static final Object LOCK = new Object();

    private static final ReferenceQueue<Work> GONE = new ReferenceQueue<>();
    private static final HashMap<Key, Integer> COUNTS = new HashMap<>(); // LOCK: counts of 2 or more

    private DisableCounts() {}

    /** The count of a DISABLED item: 1 unless the table holds more (LOCK). */
    static int of(Work work) {
        Integer n = COUNTS.get(new Key(work, null));
        return n == null ? 1 : n;
    }

    /** Records {@code count} for {@code work}; 0 and 1 need no entry (LOCK). */
    static void set(Work work, int count) {
        purge();
        Key key = new Key(work, null);
        if (count <= 1) {
            COUNTS.remove(key);
        } else if (COUNTS.replace(key, count) == null) {
            COUNTS.put(new Key(work, GONE), count);
        }
    }

    /** Entries whose item was collected (LOCK). */
    static int size() {
        purge();
        return COUNTS.size();
    }

    private static void purge() {
        for (Object k; (k = GONE.poll()) != null; ) {
            COUNTS.remove(k);
        }
    }

    /** A weak key compared by its referent's identity (a cleared key equals only itself). */
    private static final class Key extends WeakReference<Work> {
        private final int hash;

        Key(Work work, ReferenceQueue<Work> queue) {
            super(work, queue);
            hash = System.identityHashCode(work);
        }

        @Override
        public int hashCode() {
            return hash;
        }

        @Override
        public boolean equals(Object o) {
            if (o == this) {
                return true;
            }
            if (!(o instanceof Key k)) {
                return false;
            }
            Work w = get();
            return w != null && k.refersTo(w);
        }
    }
}
