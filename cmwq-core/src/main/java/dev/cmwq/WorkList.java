package dev.cmwq;

/**
 * An intrusive doubly-linked list of {@link Work} items: a pool's worklist, a pwq's inactive list
 * or a worker's scheduled list (the kernel's {@code list_head}s). The items are the nodes, so
 * adding and removing allocate nothing. Every method is called under the lock of the pool that owns
 * the list; an item is on at most one list at a time ({@link Work#list}).
 */
final class WorkList {
    private static final java.lang.invoke.VarHandle HEAD;
    private static final java.lang.invoke.VarHandle SIZE;

    static {
        try {
            java.lang.invoke.MethodHandles.Lookup l = java.lang.invoke.MethodHandles.lookup();
            HEAD = l.findVarHandle(WorkList.class, "head", Work.class);
            SIZE = l.findVarHandle(WorkList.class, "size", int.class);
        } catch (ReflectiveOperationException e) {
            throw new LinkageError(e.toString(), e); // loaded at boot, unlike ExceptionInInitializerError
        }
    }

    private Work head; // L (read without the lock only by isEmptyOpaque)
    private Work tail; // L
    /** Nodes on the list (L; read without the lock only by sizeOpaque). */
    private int size;

    boolean isEmpty() {
        return head == null;
    }

    /** Whether the list looks empty, read without the lock: a placement hint, never a decision. */
    boolean isEmptyOpaque() {
        return HEAD.getOpaque(this) == null;
    }

    Work first() {
        return head;
    }

    Work last() {
        return tail;
    }

    void addLast(Work w) {
        size++;
        w.list = this;
        w.prev = tail;
        w.next = null;
        if (tail == null) {
            head = w;
        } else {
            tail.next = w;
        }
        tail = w;
    }

    void addFirst(Work w) {
        size++;
        w.list = this;
        w.prev = null;
        w.next = head;
        if (head == null) {
            tail = w;
        } else {
            head.prev = w;
        }
        head = w;
    }

    /** Inserts {@code w} right after {@code pos}, which must be on this list. */
    void addAfter(Work pos, Work w) {
        size++;
        w.list = this;
        w.prev = pos;
        w.next = pos.next;
        if (pos.next == null) {
            tail = w;
        } else {
            pos.next.prev = w;
        }
        pos.next = w;
    }

    void remove(Work w) {
        size--;
        if (w.prev == null) {
            head = w.next;
        } else {
            w.prev.next = w.next;
        }
        if (w.next == null) {
            tail = w.prev;
        } else {
            w.next.prev = w.prev;
        }
        w.prev = null;
        w.next = null;
        w.list = null;
    }

    /**
     * Moves {@code w} and the barriers linked behind it to the tail of {@code to}: the kernel's
     * {@code move_linked_works}. Returns the item that followed the moved chain.
     */
    Work moveLinked(Work w, WorkList to) {
        Work cur = w;
        while (true) {
            Work following = cur.next;
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
}
