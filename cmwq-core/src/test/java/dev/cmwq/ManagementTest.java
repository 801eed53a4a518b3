package dev.cmwq;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import javax.management.Attribute;
import javax.management.MBeanServer;
import javax.management.ObjectName;
import javax.management.RuntimeMBeanException;
import javax.management.openmbean.CompositeData;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The MXBeans: names, registration rules, attributes read from the engine, max_active writes. */
class ManagementTest {
    private static final MBeanServer SERVER = ManagementFactory.getPlatformMBeanServer();
    private final List<Workqueue> queues = new ArrayList<>();

    private Workqueue track(Workqueue wq) {
        queues.add(wq);
        return wq;
    }

    @AfterEach
    void tearDown() {
        Workqueues.resetFailureHandler();
        queues.forEach(Workqueue::destroy);
    }

    private static Set<ObjectName> named(String name) throws Exception {
        return SERVER.queryNames(new ObjectName("dev.cmwq:type=Workqueue,name=" + Sysfs.value(name) + ",*"), null);
    }

    private static ObjectName only(String name) throws Exception {
        Set<ObjectName> names = named(name);
        assertThat(names).as("beans named %s", name).hasSize(1);
        return names.iterator().next();
    }

    @Test
    void aSysfsQueueIsRegisteredAtCreationAndUnregisteredByDestroy() throws Exception {
        Workqueue wq = Workqueue.builder("mx-sysfs").flags(WorkqueueFlag.SYSFS).unbound().maxActive(7).build();
        ObjectName name = only("mx-sysfs");
        assertThat(name.getKeyProperty("type")).isEqualTo("Workqueue");
        assertThat(name.getKeyProperty("id")).isEqualTo(Integer.toString((Integer) SERVER.getAttribute(name, "Id")));
        assertThat(SERVER.getAttribute(name, "Name")).isEqualTo("mx-sysfs");
        assertThat(SERVER.getAttribute(name, "Unbound")).isEqualTo(true);
        assertThat(SERVER.getAttribute(name, "MaxActive")).isEqualTo(7);
        assertThat((String[]) SERVER.getAttribute(name, "Flags")).containsExactlyInAnyOrder("UNBOUND", "SYSFS");
        assertThat(SERVER.getAttribute(name, "FlagBits"))
                .isEqualTo(WorkqueueFlag.UNBOUND.bit() | WorkqueueFlag.SYSFS.bit());
        assertThat(SERVER.isRegistered(new ObjectName(Sysfs.ROOT))).isTrue();

        wq.destroy();

        assertThat(named("mx-sysfs")).isEmpty();
    }

    @Test
    void otherQueuesRegisterOnDemandOnceAndAreGoneAfterDestroy() throws Exception {
        Workqueue wq = Workqueue.builder("mx-demand").build();
        assertThat(named("mx-demand")).isEmpty();

        String first = Workqueues.registerManagement(wq);
        String again = Workqueues.registerManagement(wq);

        assertThat(again).isEqualTo(first);
        assertThat(only("mx-demand").getCanonicalName()).isEqualTo(first);
        assertThat(Workqueues.unregisterManagement(wq)).isTrue();
        assertThat(Workqueues.unregisterManagement(wq)).isFalse();
        assertThat(named("mx-demand")).isEmpty();
        Workqueues.registerManagement(wq);
        wq.destroy();
        assertThat(named("mx-demand")).isEmpty();
        assertThatThrownBy(() -> Workqueues.registerManagement(wq))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("mx-demand").hasMessageContaining("destroyed");
        assertThatThrownBy(() -> Workqueues.registerManagement(null))
                .isInstanceOf(NullPointerException.class).hasMessage("wq is null in Workqueues.registerManagement(wq)");
    }

    @Test
    void theSystemQueuesAreRegisteredAndTheTwoNamedEventsHaveDistinctIds() throws Exception {
        // Each system queue is created at its first use; those made before JMX starts register
        // when it starts, those made after register at creation (unless an earlier test made them).
        Workqueues.system();
        Workqueues.systemHighpri();
        Workqueues.systemLong();
        Workqueues.systemUnbound();
        track(Workqueue.builder("mx-start").flags(WorkqueueFlag.SYSFS).build()); // JMX in use now
        Workqueues.systemPercpu();
        Workqueues.systemFreezable();
        Workqueues.systemPowerEfficient();
        Workqueues.systemFreezablePowerEfficient();
        Workqueues.systemDfl();

        Set<ObjectName> events = named("events");
        assertThat(events).hasSize(2);
        assertThat(events.stream().map(n -> n.getKeyProperty("id")).distinct()).hasSize(2);
        for (String system : List.of("events_highpri", "events_long", "events_freezable",
                "events_power_efficient", "events_freezable_pwr_efficient")) {
            assertThat(named(system)).as(system).hasSize(1);
        }
        assertThat(named("events_unbound")).hasSize(2);
    }

    @Test
    void aNameWithSpecialCharactersIsQuoted() throws Exception {
        Workqueue wq = track(Workqueue.builder("mx,odd=name:\"x\"*?").flags(WorkqueueFlag.SYSFS).build());
        ObjectName name = only("mx,odd=name:\"x\"*?");
        assertThat(ObjectName.unquote(name.getKeyProperty("name"))).isEqualTo(wq.name());
        assertThat(SERVER.getAttribute(name, "Name")).isEqualTo(wq.name());
        assertThat(Sysfs.value("plain name")).isEqualTo("plain name");
    }

    @Test
    void countersInFlightAndInactiveItemsMatchWhatTheQueueDid() throws Exception {
        Workqueue wq = track(Workqueue.builder("mx-counts").ordered().flags(WorkqueueFlag.SYSFS).build());
        Workqueues.setFailureHandler((q, w, t) -> {});
        ObjectName name = only("mx-counts");
        for (int i = 0; i < 10; i++) {
            wq.queue(new Work(() -> {}));
        }
        wq.queue(new Work(() -> {
            throw new IllegalStateException("expected by the test");
        }));
        wq.flush();
        Probe.Gate gate = new Probe.Gate(1);
        wq.queue(new Work(gate::pass));
        gate.awaitEntered("the blocking item");
        wq.queue(new Work(() -> {}));
        wq.queue(new Work(() -> {}));
        try {
            assertThat(SERVER.getAttribute(name, "Started")).isEqualTo(12L);
            assertThat(SERVER.getAttribute(name, "Completed")).isEqualTo(11L);
            assertThat(SERVER.getAttribute(name, "Failed")).isEqualTo(1L);
            assertThat(SERVER.getAttribute(name, "InFlight")).isEqualTo(1L);
            assertThat(SERVER.getAttribute(name, "Active")).isEqualTo(1);
            assertThat(SERVER.getAttribute(name, "Inactive")).isEqualTo(2);
            assertThat(SERVER.getAttribute(name, "Ordered")).isEqualTo(true);
            CompositeData stats = (CompositeData) SERVER.getAttribute(name, "Stats");
            assertThat(stats.get("started")).isEqualTo(12L);
            assertThat(stats.get("completed")).isEqualTo(11L);
            assertThat(stats.get("failed")).isEqualTo(1L);
            assertThat((String) SERVER.invoke(name, "dump", null, null))
                    .startsWith("workqueue mx-counts: flags=0x20042\n").contains("inactive: 2*ManagementTest::lambda");
        } finally {
            gate.open();
        }
        wq.flush();
        assertThat(SERVER.getAttribute(name, "Completed")).isEqualTo(14L);
    }

    @Test
    void maxActiveIsWritableWithTheQueuesValidation() throws Exception {
        Workqueue wq = track(Workqueue.builder("mx-max").flags(WorkqueueFlag.SYSFS).build());
        Workqueue ordered = track(Workqueue.builder("mx-max-ordered").ordered().flags(WorkqueueFlag.SYSFS).build());
        ObjectName name = only("mx-max");

        SERVER.setAttribute(name, new Attribute("MaxActive", 3));

        assertThat(wq.maxActive()).isEqualTo(3);
        assertThatThrownBy(() -> SERVER.setAttribute(name, new Attribute("MaxActive", 0)))
                .isInstanceOf(RuntimeMBeanException.class)
                .cause().isInstanceOf(IllegalArgumentException.class).hasMessageContaining("max_active 0");
        assertThat(wq.maxActive()).isEqualTo(3);
        assertThatThrownBy(() -> SERVER.setAttribute(only("mx-max-ordered"), new Attribute("MaxActive", 2)))
                .isInstanceOf(RuntimeMBeanException.class)
                .cause().isInstanceOf(IllegalStateException.class);
        assertThat(ordered.maxActive()).isEqualTo(1);
    }

    @Test
    void aPoolRegistersWithItsFirstWorkerAndShowsItsWorkers() throws Exception {
        Workqueue wq = track(Workqueue.builder("mx-pool").highPriority().build());
        Probe.Gate gate = new Probe.Gate(1);
        int lane = Probe.lane(5);
        wq.queueOn(lane, new Work(gate::pass));
        gate.awaitEntered("an item on lane " + lane + "'s high-priority pool");
        WorkerPool pool = wq.pwq(lane).pool;
        ObjectName name = Sysfs.poolName(pool.id);
        try {
            Probe.awaitTrue(() -> SERVER.isRegistered(name), name + " registered");
            assertThat(SERVER.getAttribute(name, "Id")).isEqualTo(pool.id);
            assertThat(SERVER.getAttribute(name, "Lane")).isEqualTo(lane);
            assertThat(SERVER.getAttribute(name, "Highpri")).isEqualTo(true);
            assertThat(SERVER.getAttribute(name, "Unbound")).isEqualTo(false);
            assertThat((Integer) SERVER.getAttribute(name, "Workers")).isPositive();
            assertThat((Integer) SERVER.getAttribute(name, "Busy")).isEqualTo(1);
            assertThat((Long) SERVER.getAttribute(name, "Progress")).isPositive();
            assertThat((String[]) SERVER.getAttribute(name, "WorkerNames")).allMatch(n -> n.matches("kworker/" + lane + ":\\d+H"));
        } finally {
            gate.open();
        }
    }

    @Test
    void aRetiredUnboundPoolLeavesJmx() throws Exception {
        // Unbound high-priority pools serve no system queue: the last queue's destroy retires one.
        Workqueue wq = Workqueue.builder("mx-retire").unbound().highPriority().build();
        Work w = new Work(() -> {});
        wq.queue(w);
        w.flush();
        WorkerPool pool = wq.pwq(0).pool;
        ObjectName name = Sysfs.poolName(pool.id);
        Probe.awaitTrue(() -> SERVER.isRegistered(name), name + " registered");

        wq.destroy();

        assertThat(WorkerPool.byId(pool.id)).as("retired").isNull();
        assertThat(SERVER.isRegistered(name)).isFalse();
        assertThat(Workqueues.dump()).doesNotContain("pool " + pool.id + ":");
    }

    @Test
    void theRootBeanDumpsAndCarriesTheEngineSettings() throws Exception {
        track(Workqueue.builder("mx-root").flags(WorkqueueFlag.SYSFS).build());
        ObjectName root = new ObjectName(Sysfs.ROOT);
        assertThat(SERVER.getAttribute(root, "Lanes")).isEqualTo(Workqueues.lanes());
        assertThat(SERVER.getAttribute(root, "MaxWorkers")).isEqualTo(Workqueues.maxWorkers());
        assertThat((Integer) SERVER.getAttribute(root, "WorkqueueCount")).isPositive();
        assertThat((String) SERVER.invoke(root, "dump", null, null)).startsWith("Showing all workqueues and worker pools:\n");
        assertThatThrownBy(() -> SERVER.setAttribute(root, new Attribute("MaxWorkers", 0)))
                .isInstanceOf(RuntimeMBeanException.class).cause().isInstanceOf(IllegalArgumentException.class);
    }
}
