package dev.cmwq;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.cmwq.management.WorkerPoolMXBean;
import dev.cmwq.management.WorkqueueMXBean;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The read API metrics binders use: the queue listing, the listener, views, armed items. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class CensusTest {
    private final List<String> events = new CopyOnWriteArrayList<>();
    private final WorkqueueListener listener = new WorkqueueListener() {
        @Override
        public void created(Workqueue wq) {
            events.add("created " + wq.name() + " listed=" + Workqueues.workqueues().contains(wq));
        }

        @Override
        public void destroyed(Workqueue wq) {
            events.add("destroyed " + wq.name() + " listed=" + Workqueues.workqueues().contains(wq));
        }
    };

    @AfterEach
    void tearDown() {
        Workqueues.removeListener(listener);
    }

    @Test
    void aListenerIsToldOfCreationAndDestroyAfterTheListingChanged() {
        Workqueues.addListener(listener);
        Workqueue wq = Workqueue.builder("census-a").build();
        assertThat(Workqueues.workqueues()).contains(wq);
        wq.destroy();
        assertThat(Workqueues.workqueues()).doesNotContain(wq);
        assertThat(events).containsExactly("created census-a listed=true", "destroyed census-a listed=false");
    }

    /**
     * The listener is told last: the queue reads as destroyed, and a destroy() the listener calls
     * (a cleanup that does not know who destroyed the queue) returns instead of waiting for the
     * destroy that is calling it.
     */
    @Test
    void aListenerSeesTheQueueDestroyedAndMayCallDestroyAgain() {
        List<String> seen = new CopyOnWriteArrayList<>();
        WorkqueueListener cleanup = new WorkqueueListener() {
            @Override
            public void destroyed(Workqueue wq) {
                if (wq.name().equals("census-reentrant")) {
                    seen.add("isDestroyed=" + wq.isDestroyed());
                    wq.destroy();
                    seen.add("destroy() returned");
                }
            }
        };
        Workqueues.addListener(cleanup);
        try {
            Workqueue wq = Workqueue.builder("census-reentrant").build();
            wq.queue(new Work(() -> {}));
            wq.destroy();
            assertThat(seen).containsExactly("isDestroyed=true", "destroy() returned");
            assertThat(wq.isDestroyed()).isTrue();
        } finally {
            Workqueues.removeListener(cleanup);
        }
    }

    @Test
    void aRemovedListenerIsNoLongerTold() {
        Workqueues.addListener(listener);
        Workqueue.builder("census-b").build().destroy();
        assertThat(Workqueues.removeListener(listener)).isTrue();
        assertThat(Workqueues.removeListener(listener)).isFalse();
        Workqueue.builder("census-c").build().destroy();
        assertThat(events).containsExactly("created census-b listed=true", "destroyed census-b listed=false");
        assertThatThrownBy(() -> Workqueues.addListener(null)).isInstanceOf(NullPointerException.class)
                .hasMessage("listener is null in Workqueues.addListener(listener)");
    }

    @Test
    void viewsReadTheQueueAndItsPools() {
        Workqueue wq = Workqueue.builder("census-view").unbound().maxActive(3).build();
        try {
            Probe.Gate gate = new Probe.Gate(1);
            for (int i = 0; i < 5; i++) {
                wq.queue(new Work(gate::pass));
            }
            WorkqueueMXBean view = Workqueues.managementView(wq);
            Probe.awaitTrue(() -> wq.stats().inFlight() == 3, "three items running");
            assertThat(view.getName()).isEqualTo("census-view");
            assertThat(view.getActive()).isEqualTo(3);
            assertThat(view.getInactive()).isEqualTo(2);
            List<WorkerPoolMXBean> pools = Workqueues.workerPools(wq);
            assertThat(pools).hasSize(1);
            assertThat(pools.get(0).isUnbound()).isTrue();
            assertThat(pools.get(0).getWorkers()).isGreaterThanOrEqualTo(3);
            assertThat(Workqueues.workerPools()).extracting(WorkerPoolMXBean::getId).contains(pools.get(0).getId());
            gate.open();
            wq.flush();
            assertThat(view.getActive()).isZero();
            assertThat(view.getInactive()).isZero();
        } finally {
            wq.destroy();
        }
    }

    @Test
    void armedItemsCountsWhatIsOnTheWheelPerQueue() {
        Workqueue wq = Workqueue.builder("census-armed").build();
        try {
            DelayedWork a = new DelayedWork(() -> {});
            DelayedWork b = new DelayedWork(() -> {});
            int before = Workqueues.armedItems();
            wq.queueDelayed(a, Duration.ofHours(1));
            wq.queueDelayed(b, Duration.ofHours(1));
            assertThat(Workqueues.armedItems(wq)).isEqualTo(2);
            assertThat(Workqueues.armedItems()).isGreaterThanOrEqualTo(before + 2);
            a.cancel();
            assertThat(Workqueues.armedItems(wq)).isEqualTo(1);
            b.cancel();
            assertThat(Workqueues.armedItems(wq)).isZero();
        } finally {
            wq.destroy();
        }
    }
}
