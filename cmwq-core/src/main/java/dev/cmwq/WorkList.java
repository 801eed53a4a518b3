package dev.cmwq;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * An intrusive doubly-linked list of {@link Work} items: a pool's worklist and refused list, a
 * pwq's inactive list, or a worker's scheduled and helped lists (the kernel's {@code list_head}).
 * The list object is a Work whose own links are the head ({@code next}) and the tail
 * ({@code prev}), null when empty; an item carries no field naming its list, as a kernel
 * {@code work_struct} carries none. The items are the nodes, so adding and removing allocate
 * nothing. Every method is called under the lock of the pool that owns the list; an item is on at
 * most one list at a time, and off every list its links are null.
 *
 * <p>The ends. The kernel's lists are circular through their head. Here a pool's lists end in
 * null, so that no item ever links to the list object: once a collection has moved the items and
 * the lists to the old generation they lie in different heap regions, and G1's write barrier
 * issues a full fence for each reference stored from one region into another. A circular list
 * stores two such references per insertion and two per removal at an end, on every item of a
 * hand-off; null ends halve them (bench/findings.md, finding 28-lead). A worker's scheduled and
 * helped lists, short ones that {@link #holding} must find from an item, end in the list object
 * ({@code WorkList(true)}).
 *
 * <p>Each list counts its nodes ({@link #size}: {@link #hasAtLeast} and {@link #sizeOpaque} are
 * O(1), the latter a lock-free read on the producer's path). That is why {@link #remove} and
 * {@link #addAfter} are called on the list that holds the item, though the links alone would
 * almost do: the caller names the list from what it knows, for a queued item from its state bits
 * (WorkerPool.listOf: INACTIVE, on its pwq's inactive list; SCHEDULED, on a worker's scheduled or
 * helped list, found by walking to the list ({@link #holding}); else the pool's worklist;
 * REFUSED, the pool's refused list), and a flush barrier linked after an item joins that item's
 * list. The counts of every list are kept; only the worklist's and the inactive lists' are read by
 * the engine (and by Sysfs and Dump).
 */
final class WorkList extends Work {
    private static final VarHandle NEXT;
    private static final VarHandle SIZE;

    static {
        try {
            MethodHandles.Lookup l = MethodHandles.lookup();
            NEXT = l.findVarHandle(Work.class, "next", Work.class);
            SIZE = l.findVarHandle(WorkList.class, "size", int.class);
        } catch (ReflectiveOperationException e) {
            throw new LinkageError(e.toString(), e); // loaded at boot, unlike ExceptionInInitializerError
        }
    }

    /** Nodes on the list (L; read without the lock only by sizeOpaque). */
    private int size;
    /**
     * What the first node's prev and the last node's next hold: this list, for the short lists
     * whose holder is found from an item's links ({@link #holding}); null for the others.
     */
    private final WorkList end;

    /** A list whose end links are null: a pool's worklist and refused list, a pwq's inactive list. */
    WorkList() {
        end = null;
    }

    /**
     * A list whose end links name the list itself ({@code named} true): a worker's scheduled and
     * helped lists, whose holder {@link #holding} finds from an item.
     */
    WorkList(boolean named) {
        end = named ? this : null;
    }

    boolean isEmpty() {
        return next == null;
    }

    /** Whether the list looks empty, read without the lock: a placement hint, never a decision. */
    boolean isEmptyOpaque() {
        return NEXT.getOpaque(this) == null;
    }

    Work first() {
        return next;
    }

    Work last() {
        return prev;
    }

    /** The item after {@code w}, which is on this list, or null if {@code w} is the last. */
    Work after(Work w) {
        Work n = w.next;
        return n == end ? null : n;
    }

    /** The item before {@code w}, which is on this list, or null if {@code w} is the first. */
    Work before(Work w) {
        Work p = w.prev;
        return p == end ? null : p;
    }

    void addLast(Work w) {
        size++;
        Work t = prev;
        w.prev = t == null ? end : t;
        w.next = end;
        if (t == null) {
            next = w;
        } else {
            t.next = w;
        }
        prev = w;
    }

    void addFirst(Work w) {
        size++;
        Work h = next;
        w.prev = end;
        w.next = h == null ? end : h;
        if (h == null) {
            prev = w;
        } else {
            h.prev = w;
        }
        next = w;
    }

    /** Inserts {@code w} right after {@code pos}, which must be on this list. */
    void addAfter(Work pos, Work w) {
        size++;
        Work n = pos.next;
        w.prev = pos;
        w.next = n;
        pos.next = w;
        if (n == end) {
            prev = w;
        } else {
            n.prev = w;
        }
    }

    /**
     * Ends a run that WorkerPool.splice appended after {@code last()} by linking the items to
     * each other only: {@code tail} is the run's last item and {@code n} how many it added.
     */
    void closeRun(Work tail, int n) {
        size += n;
        tail.next = end;
        prev = tail;
    }

    /** Unlinks {@code w}, which must be on this list (the kernel's {@code list_del_init}). */
    void remove(Work w) {
        size--;
        Work p = w.prev;
        Work n = w.next;
        if (p == end) {
            next = n == end ? null : n;
        } else {
            p.next = n;
        }
        if (n == end) {
            prev = p == end ? null : p;
        } else {
            n.prev = p;
        }
        w.prev = null;
        w.next = null;
    }

    /**
     * The list that holds {@code w}, found by following its links to the list: O(nodes after
     * it), so for the short lists only, whose end links name the list (a worker's scheduled and
     * helped lists: instances queued behind the worker's own runs, and flush barriers).
     */
    static WorkList holding(Work w) {
        Work n = w.next;
        while (!(n instanceof WorkList)) {
            n = n.next;
        }
        return (WorkList) n;
    }

    /**
     * Moves {@code w} and the barriers linked behind it to the tail of {@code to}: the kernel's
     * {@code move_linked_works}. Returns the item that followed the moved chain on this list.
     */
    Work moveLinked(Work w, WorkList to) {
        Work cur = w;
        while (true) {
            Work following = after(cur);
            remove(cur);
            to.addLast(cur);
            if (!Work.isLinked(cur.stateVolatile()) || following == null) {
                return following;
            }
            cur = following;
        }
    }

    /** Whether the list holds at least {@code n} nodes. */
    boolean hasAtLeast(int n) {
        return size >= n;
    }

    int size() {
        return size;
    }

    /** The node count read without the lock: a hint (stale by a few nodes at most), never a decision. */
    int sizeOpaque() {
        return (int) SIZE.getOpaque(this);
    }

    @Override
    public String toString() {
        return "WorkList@" + Integer.toHexString(System.identityHashCode(this));
    }
}
