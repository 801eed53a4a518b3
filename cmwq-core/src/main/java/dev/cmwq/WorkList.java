package dev.cmwq;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * An intrusive circular doubly-linked list of {@link Work} items: a pool's worklist, a pwq's
 * inactive list or a worker's scheduled list (the kernel's {@code list_head}). The list object is
 * its own sentinel node, so an item is unlinked, or linked after another, from its own links
 * alone ({@link #remove}, {@link #addAfter}): an item carries no field naming its list, as a
 * kernel {@code work_struct} carries none. The items are the nodes, so adding and removing
 * allocate nothing. Every method is called under the lock of the pool that owns the list; an item
 * is on at most one list at a time, and off every list its links are null.
 */
final class WorkList extends Work {
    private static final VarHandle NEXT;

    static {
        try {
            NEXT = MethodHandles.lookup().findVarHandle(Work.class, "next", Work.class);
        } catch (ReflectiveOperationException e) {
            throw new LinkageError(e.toString(), e); // loaded at boot, unlike ExceptionInInitializerError
        }
    }

    WorkList() {
        prev = this;
        next = this;
    }

    boolean isEmpty() {
        return next == this;
    }

    /** Whether the list looks empty, read without the lock: a placement hint, never a decision. */
    boolean isEmptyOpaque() {
        return NEXT.getOpaque(this) == this;
    }

    Work first() {
        Work n = next;
        return n == this ? null : n;
    }

    Work last() {
        Work p = prev;
        return p == this ? null : p;
    }

    /** The item after {@code w}, which is on this list, or null if {@code w} is the last. */
    Work after(Work w) {
        Work n = w.next;
        return n == this ? null : n;
    }

    void addLast(Work w) {
        link(w, prev, this);
    }

    void addFirst(Work w) {
        link(w, this, next);
    }

    /** Inserts {@code w} right after {@code pos}, which is on a list (whichever: none is needed). */
    static void addAfter(Work pos, Work w) {
        link(w, pos, pos.next);
    }

    private static void link(Work w, Work before, Work after) {
        w.prev = before;
        w.next = after;
        before.next = w;
        after.prev = w;
    }

    /** Unlinks {@code w} from the list it is on (the kernel's {@code list_del_init}). */
    static void remove(Work w) {
        Work p = w.prev;
        Work n = w.next;
        p.next = n;
        n.prev = p;
        w.prev = null;
        w.next = null;
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

    /** Whether the list holds at least {@code n} nodes; walks at most {@code n} of them. */
    boolean hasAtLeast(int n) {
        Work w = next;
        for (int i = 0; i < n; i++, w = w.next) {
            if (w == this) {
                return false;
            }
        }
        return true;
    }

    int size() {
        int n = 0;
        for (Work w = next; w != this; w = w.next) {
            n++;
        }
        return n;
    }

    @Override
    public String toString() {
        return "WorkList@" + Integer.toHexString(System.identityHashCode(this));
    }
}
