package dev.cmwq;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.ref.WeakReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The item's 32-bit state word (Work's overview): the pool id's top bit is data, not a sign, and
 * a nested disable count lives outside the word (DisableCounts) without keeping the item alive.
 */
@Timeout(60)
class StateWordTest {
    @Test
    void theLargestPoolIdSurvivesEveryTransitionThatKeepsOrClearsIt() {
        Work w = new Work(() -> {});
        assertThat(Work.poolIdOf(w.debugState())).isEqualTo(-1);
        w.clearPendingForRun(Work.MAX_POOL_ID); // the word's top bit set
        assertThat(w.debugState()).as("read unsigned").isPositive();
        assertThat(Work.poolIdOf(w.debugState())).isEqualTo(Work.MAX_POOL_ID);
        assertThat(w.trySetPending()).as("was idle").isEqualTo(Work.poolBits(Work.MAX_POOL_ID));
        w.releasePending();
        assertThat(w.debugState()).isEqualTo(Work.poolBits(Work.MAX_POOL_ID));
        w.forgetPool(Work.MAX_POOL_ID);
        assertThat(w.debugState()).as("forgotten").isZero();
        assertThat(Work.poolIdOf(Work.poolBits(Work.MAX_POOL_ID) | Work.QUEUED_BITS | Work.DISABLED))
                .as("no flag reaches the pool id").isEqualTo(Work.MAX_POOL_ID);
    }

    @Test
    void nestedDisablesCountBeyondTheBitAndEnablesUnwindThem() {
        Work w = new Work(() -> {});
        assertThat(w.disable()).isFalse();
        assertThat(w.disable()).isFalse();
        assertThat(w.disable()).isFalse();
        assertThat(w.disableCount()).isEqualTo(3);
        assertThat(w.isDisabled()).isTrue();
        assertThat(w.enable()).as("3 -> 2").isFalse();
        assertThat(w.enable()).as("2 -> 1").isFalse();
        assertThat(w.isDisabled()).isTrue();
        assertThat(Workqueues.system().queue(w)).as("still disabled").isFalse();
        assertThat(w.enable()).as("1 -> 0").isTrue();
        assertThat(w.disableCount()).isZero();
        assertThat(w.debugState() & Work.DISABLED).isZero();
    }

    @Test
    void aNestedDisabledItemNobodyHoldsIsNotKeptAliveByItsCount() {
        int before;
        synchronized (DisableCounts.LOCK) {
            before = DisableCounts.size();
        }
        Work w = new Work(() -> {});
        w.disable();
        w.disable();
        WeakReference<Work> ref = new WeakReference<>(w);
        synchronized (DisableCounts.LOCK) {
            assertThat(DisableCounts.size()).isEqualTo(before + 1);
        }
        w = null;
        Probe.awaitTrue(() -> collectedAfterGc(ref), "the twice-disabled item to be collected");
        Probe.awaitTrue(() -> {
            System.gc();
            synchronized (DisableCounts.LOCK) {
                return DisableCounts.size() <= before;
            }
        }, "its count's entry to be purged");
    }

    private static boolean collectedAfterGc(WeakReference<?> ref) {
        System.gc();
        return ref.get() == null;
    }
}
