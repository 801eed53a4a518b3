package dev.cmwq;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The list itself, without a pool. A pool's worklist and a pwq's inactive list end in null: no
 * item links to the list object, so that linking and unlinking an item writes the list's own head
 * and tail and the item's links to its neighbours, never a reference from an item to the list.
 * Once both are in the old generation they sit in different heap regions, and G1's write barrier
 * issues a fence for every reference stored across regions (bench/findings.md, finding 28-lead).
 * A worker's scheduled and helped lists end in the list object, which {@link WorkList#holding}
 * finds from an item.
 */
@Timeout(10)
class WorkListTest {

    @Test
    void aPoolListEndsInNullWhateverWasAddedOrRemoved() {
        WorkList list = new WorkList();
        assertThat(list.isEmpty()).isTrue();
        assertThat(list.isEmptyOpaque()).isTrue();
        Work a = new Work(() -> { });
        Work b = new Work(() -> { });
        Work c = new Work(() -> { });
        Work d = new Work(() -> { });
        list.addLast(b);
        assertEnds(list, null, b);
        list.addFirst(a);
        list.addLast(d);
        list.addAfter(b, c);
        assertEnds(list, null, a, b, c, d);
        list.remove(a);
        assertEnds(list, null, b, c, d);
        list.remove(d);
        assertEnds(list, null, b, c);
        list.remove(c);
        list.addAfter(b, d);
        assertEnds(list, null, b, d);
        list.remove(b);
        list.remove(d);
        assertEnds(list, null);
        assertThat(b.prev).isNull();
        assertThat(b.next).isNull();
        assertThat(list.isEmptyOpaque()).isTrue();
    }

    @Test
    void aWorkersListEndsInItselfSoThatAnItemFindsItsList() {
        WorkList list = new WorkList(true);
        Work a = new Work(() -> { });
        Work b = new Work(() -> { });
        Work c = new Work(() -> { });
        list.addLast(b);
        list.addFirst(a);
        list.addAfter(b, c);
        assertEnds(list, list, a, b, c);
        assertThat(WorkList.holding(a)).isSameAs(list);
        assertThat(WorkList.holding(c)).isSameAs(list);
        list.remove(c);
        assertEnds(list, list, a, b);
        assertThat(WorkList.holding(a)).isSameAs(list);
        list.remove(a);
        list.remove(b);
        assertEnds(list, list);
    }

    @Test
    void aRunAppendedThroughItsItemsJoinsTheListWhenClosed() {
        WorkList list = new WorkList();
        Work first = new Work(() -> { });
        list.addLast(first);
        Work tail = first;
        List<Work> all = new ArrayList<>(List.of(first));
        for (int i = 0; i < 5; i++) { // as WorkerPool.splice appends a run: item links only
            Work w = new Work(() -> { });
            w.prev = tail;
            tail.next = w;
            tail = w;
            all.add(w);
        }
        list.closeRun(tail, 5);
        assertEnds(list, null, all.toArray(new Work[0]));
        list.addLast(new Work(() -> { }));
        assertThat(list.size()).isEqualTo(7);
    }

    /** The list holds exactly {@code items}, linked both ways, its ends holding {@code end}. */
    private static void assertEnds(WorkList list, WorkList end, Work... items) {
        assertThat(list.size()).isEqualTo(items.length);
        assertThat(list.isEmpty()).isEqualTo(items.length == 0);
        List<Work> forward = new ArrayList<>();
        for (Work w = list.first(); w != null; w = list.after(w)) {
            forward.add(w);
        }
        assertThat(forward).containsExactly(items);
        if (items.length == 0) {
            assertThat(list.first()).isNull();
            assertThat(list.last()).isNull();
            return;
        }
        assertThat(list.first()).isSameAs(items[0]);
        assertThat(list.last()).isSameAs(items[items.length - 1]);
        assertThat(items[0].prev).as("the first item's prev").isSameAs(end);
        assertThat(items[items.length - 1].next).as("the last item's next").isSameAs(end);
        for (int i = 1; i < items.length; i++) {
            assertThat(items[i].prev).as("item %d's prev", i).isSameAs(items[i - 1]);
        }
    }
}
