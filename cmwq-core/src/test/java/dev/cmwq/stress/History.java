package dev.cmwq.stress;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.ToLongFunction;

/**
 * What a stress run did, on one global clock: every call with its result and the clock before and
 * after it, and every execution of a work function with the clock at its first and last line. The
 * checks here run after the run, over the whole history; {@link StressRun} adds the checks that
 * can only be made while a function runs.
 *
 * <p>The model behind the checks is the kernel's PENDING bit, seen as a token: a queue call that
 * returns true issues one token, and exactly one consumer takes it: an execution (the worker
 * clears PENDING just before the function runs) or a cancel, cancelSync, disable or disableSync
 * that returns true. Per item, tokens are issued and consumed alternately. A call's linearization
 * point lies between its two clock readings; an execution's lies before its start reading, and
 * after the end reading of the item's previous execution. Every check below is a necessary
 * condition of a correct engine under those bounds, so none can fail on a correct engine, however
 * the threads are scheduled.
 */
final class History {
    /** The calls the run makes. */
    enum Op {
        QUEUE, CANCEL, CANCEL_SYNC, DISABLE, DISABLE_SYNC, ENABLE, FLUSH_WORK, FLUSH_QUEUE
    }

    /** A call on an item (or, for FLUSH_QUEUE, on the queue {@code item} names). */
    record Call(int item, Op op, boolean result, long start, long end, String thread) {
        boolean consumesToken() {
            return result && (op == Op.CANCEL || op == Op.CANCEL_SYNC || op == Op.DISABLE || op == Op.DISABLE_SYNC);
        }

        @Override
        public String toString() {
            return "[" + start + "," + end + "] " + op + (op == Op.FLUSH_QUEUE ? " queue " : " item ") + item + " -> "
                    + result + " on " + thread;
        }
    }

    /** One run of an item's function; {@code ticket} is its ordered-queue ticket or -1. */
    record Execution(int item, long start, long end, long ticket, String thread) {
        @Override
        public String toString() {
            return "[" + start + "," + end + "] RUN item " + item + (ticket >= 0 ? " ticket " + ticket : "") + " on " + thread;
        }
    }

    private final AtomicLong clock = new AtomicLong();
    private final Queue<String> violations = new ConcurrentLinkedQueue<>();

    long tick() {
        return clock.incrementAndGet();
    }

    void violation(String what) {
        violations.add(what);
    }

    List<String> violations() {
        return List.copyOf(violations);
    }

    // ---------------------------------------------------------------- whole-history checks

    /**
     * Checks one item's history. {@code calls} are every call on it (including those its own
     * function made), {@code executions} every run; {@code queueFlushes} the FLUSH_QUEUE calls of
     * its queue.
     */
    void checkItem(int item, List<Call> calls, List<Execution> executions, List<Call> queueFlushes) {
        List<Execution> runs = new ArrayList<>(executions);
        runs.sort(Comparator.comparingLong(Execution::start));
        long[] qStart = sorted(calls.stream().filter(c -> c.op == Op.QUEUE && c.result), Call::start);
        long[] qEnd = sorted(calls.stream().filter(c -> c.op == Op.QUEUE && c.result), Call::end);
        long[] cStart = sorted(calls.stream().filter(Call::consumesToken), Call::start);
        long[] cEnd = sorted(calls.stream().filter(Call::consumesToken), Call::end);
        long[] eStart = runs.stream().mapToLong(Execution::start).toArray();
        long[] eEnd = runs.stream().mapToLong(Execution::end).sorted().toArray();
        Checker c = new Checker(item, runs, qStart, qEnd, cStart, cEnd, eStart, eEnd, calls);
        c.checkNoOverlap();
        c.checkCounts();
        c.checkEveryConsumerHasAnEarlierQueue();
        c.checkAtMostOneTokenOutstanding();
        for (Call call : calls) {
            switch (call.op) {
                case CANCEL_SYNC, DISABLE_SYNC -> c.checkSyncCancel(call);
                case FLUSH_WORK -> c.checkFlushWork(call);
                default -> { }
            }
        }
        for (Call flush : queueFlushes) {
            c.checkFinishedBy(flush, "queue flush");
        }
    }

    private static long[] sorted(java.util.stream.Stream<Call> calls, ToLongFunction<Call> key) {
        long[] a = calls.mapToLong(key).toArray();
        Arrays.sort(a);
        return a;
    }

    /** Number of elements of sorted {@code a} that are below {@code x}. */
    static int countBelow(long[] a, long x) {
        int i = Arrays.binarySearch(a, x);
        return i >= 0 ? i : -i - 1; // clock values are unique, so a hit is the element itself
    }

    private final class Checker {
        final int item;
        final List<Execution> runs;
        final long[] qStart;
        final long[] qEnd;
        final long[] cStart;
        final long[] cEnd;
        final long[] eStart;
        final long[] eEnd;
        final List<Call> calls;

        Checker(int item, List<Execution> runs, long[] qStart, long[] qEnd, long[] cStart, long[] cEnd,
                long[] eStart, long[] eEnd, List<Call> calls) {
            this.item = item;
            this.runs = runs;
            this.qStart = qStart;
            this.qEnd = qEnd;
            this.cStart = cStart;
            this.cEnd = cEnd;
            this.eStart = eStart;
            this.eEnd = eEnd;
            this.calls = calls;
        }

        void fail(String what, long around) {
            violation("item " + item + ": " + what + "\n" + excerpt(around));
        }

        /** Non-reentrancy: each run starts after the previous one ended. */
        void checkNoOverlap() {
            for (int k = 1; k < runs.size(); k++) {
                if (runs.get(k).start < runs.get(k - 1).end) {
                    fail("runs overlap: " + runs.get(k - 1) + " and " + runs.get(k), runs.get(k).start);
                }
            }
        }

        /** Nothing lost, nothing duplicated: after the final flush every token has its one consumer. */
        void checkCounts() {
            if (qStart.length != eStart.length + cStart.length) {
                fail(qStart.length + " queue calls returned true, but the item ran " + eStart.length
                        + " times and was cancelled " + cStart.length + " times", Long.MAX_VALUE);
            }
        }

        /**
         * No phantom run or cancel: the r-th consumer to have certainly happened by clock x
         * (a run's start, a cancel's return) needs r queue calls that started before x.
         */
        void checkEveryConsumerHasAnEarlierQueue() {
            long[] done = merge(eStart, cEnd);
            for (int r = 0; r < done.length; r++) {
                if (countBelow(qStart, done[r]) < r + 1) {
                    fail("consumer #" + (r + 1) + " (run or true cancel, certain by " + done[r]
                            + ") has only " + countBelow(qStart, done[r]) + " queue calls returning true before it",
                            done[r]);
                    return;
                }
            }
        }

        /**
         * No second token while one is outstanding: when the r-th true queue call returned, at
         * least r-1 consumers may have happened (a cancel that had started; a run whose previous
         * run had ended).
         */
        void checkAtMostOneTokenOutstanding() {
            long[] lower = new long[eStart.length];
            for (int k = 1; k < runs.size(); k++) {
                lower[k] = runs.get(k - 1).end;
            }
            long[] mayHaveHappened = merge(lower, cStart);
            for (int r = 0; r < qEnd.length; r++) {
                if (countBelow(mayHaveHappened, qEnd[r]) < r) {
                    fail("queue call #" + (r + 1) + " returned true by " + qEnd[r] + " although only "
                            + countBelow(mayHaveHappened, qEnd[r]) + " earlier tokens can have been consumed", qEnd[r]);
                    return;
                }
            }
        }

        /**
         * cancelSync/disableSync [a, b]: at b the item is not running an instance that started
         * before a, nor one that started later unless a queue call that returned after a explains
         * it; and every token issued before a has been consumed by b.
         */
        void checkSyncCancel(Call call) {
            Execution last = lastStartedBefore(call.end);
            if (last != null && last.end > call.end) {
                boolean concurrentQueue = countBelow(qEnd, call.start) < qEnd.length;
                if (last.start < call.start || !concurrentQueue) {
                    fail(call.op + " returned while " + last + " was still running", call.end);
                }
            }
            int issued = countBelow(qEnd, call.start);
            int consumed = countBelow(eStart, call.end) + countBelow(cStart, call.end);
            if (consumed < issued) {
                fail(call.op + " returned with a token issued before it still pending (" + issued + " issued, "
                        + consumed + " consumed)", call.end);
            }
        }

        /**
         * flush(work) [a, b]: true means the instances of a have finished; false that there was
         * none. Exception, as in the kernel: when a cancel steals the queued instance during the
         * flush, its barrier is left on (or moved to) the worklist and runs at once, so the flush
         * may end before an instance that was running at a (try_to_grab_pending moves an inactive
         * item's linked barriers to the worklist; flush_work waits only for its barrier).
         */
        void checkFlushWork(Call call) {
            if (call.result) {
                if (!cancelledDuring(call)) {
                    checkFinishedBy(call, "flush(work) returning true");
                }
                return;
            }
            Execution running = lastStartedBefore(call.start);
            if (running != null && running.end > call.end) {
                fail("flush(work) returned false while " + running + " ran throughout it", call.end);
            }
        }

        /** Everything running or issued at {@code call}'s start has finished (or was cancelled) by its end. */
        void checkFinishedBy(Call call, String what) {
            Execution running = lastStartedBefore(call.start);
            if (running != null && running.end > call.end) {
                fail(what + " " + call + " returned before " + running + " finished", call.end);
            }
            int issued = countBelow(qEnd, call.start);
            int finished = countBelow(eEnd, call.end) + countBelow(cStart, call.end);
            if (finished < issued) {
                fail(what + " " + call + " returned with " + issued + " tokens issued before it but only "
                        + finished + " runs finished or cancels made", call.end);
            }
        }

        /** Whether a true cancel or disable of the item overlapped {@code call}. */
        boolean cancelledDuring(Call call) {
            return countBelow(cStart, call.end) > countBelow(cEnd, call.start);
        }

        Execution lastStartedBefore(long t) {
            int n = countBelow(eStart, t);
            return n == 0 ? null : runs.get(n - 1);
        }

        /** The item's events within a window around clock {@code t}, for the failure message. */
        String excerpt(long t) {
            List<Object[]> events = new ArrayList<>();
            for (Call c : calls) {
                events.add(new Object[] {c.start, c});
            }
            for (Execution e : runs) {
                events.add(new Object[] {e.start, e});
            }
            events.sort(Comparator.comparingLong(o -> (Long) o[0]));
            int at = 0;
            while (at < events.size() && (Long) events.get(at)[0] < t) {
                at++;
            }
            StringBuilder sb = new StringBuilder();
            for (int i = Math.max(0, at - 12); i < Math.min(events.size(), at + 6); i++) {
                sb.append("    ").append(events.get(i)[1]).append('\n');
            }
            return sb.toString();
        }
    }

    private static long[] merge(long[] a, long[] b) {
        long[] m = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, m, a.length, b.length);
        Arrays.sort(m);
        return m;
    }
}
