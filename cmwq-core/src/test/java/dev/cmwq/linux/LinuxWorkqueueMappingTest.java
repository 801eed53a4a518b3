package dev.cmwq.linux;

import static dev.cmwq.linux.LinuxWorkqueue.*;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.cmwq.Workqueue;
import dev.cmwq.WorkqueueFlag;
import dev.cmwq.Workqueues;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** Constants, system queues, and what alloc_* and the legacy create_* return. */
class LinuxWorkqueueMappingTest {
    private final List<Workqueue> created = new ArrayList<>();

    @AfterEach
    void tearDown() {
        created.forEach(Workqueue::destroy);
    }

    private Workqueue keep(Workqueue wq) {
        created.add(wq);
        return wq;
    }

    @Test
    void flagBitsHaveTheKernelsValues() {
        assertThat(WQ_UNBOUND).isEqualTo(1 << 1);
        assertThat(WQ_FREEZABLE).isEqualTo(1 << 2);
        assertThat(WQ_MEM_RECLAIM).isEqualTo(1 << 3);
        assertThat(WQ_HIGHPRI).isEqualTo(1 << 4);
        assertThat(WQ_CPU_INTENSIVE).isEqualTo(1 << 5);
        assertThat(WQ_SYSFS).isEqualTo(1 << 6);
        assertThat(WQ_POWER_EFFICIENT).isEqualTo(1 << 7);
        assertThat(WQ_PERCPU).isEqualTo(1 << 8);
    }

    @Test
    void flagBitsAreTheIdiomaticFlagsBits() {
        assertThat(new int[] {WQ_UNBOUND, WQ_FREEZABLE, WQ_MEM_RECLAIM, WQ_HIGHPRI, WQ_CPU_INTENSIVE, WQ_SYSFS,
            WQ_POWER_EFFICIENT, WQ_PERCPU})
                .containsExactly(WorkqueueFlag.UNBOUND.bit(), WorkqueueFlag.FREEZABLE.bit(),
                        WorkqueueFlag.MEM_RECLAIM.bit(), WorkqueueFlag.HIGHPRI.bit(),
                        WorkqueueFlag.CPU_INTENSIVE.bit(), WorkqueueFlag.SYSFS.bit(),
                        WorkqueueFlag.POWER_EFFICIENT.bit(), WorkqueueFlag.PERCPU.bit());
    }

    @Test
    void limitsAndOtherConstantsHaveTheKernelsValues() {
        assertThat(WQ_MAX_ACTIVE).isEqualTo(2048);
        assertThat(WQ_DFL_ACTIVE).isEqualTo(1024);
        assertThat(WQ_UNBOUND_MAX_ACTIVE).isEqualTo(WQ_MAX_ACTIVE);
        assertThat(WORK_BUSY_PENDING).isEqualTo(1);
        assertThat(WORK_BUSY_RUNNING).isEqualTo(2);
        assertThat(HZ).isEqualTo(1000);
    }

    @Test
    void workCpuUnboundIsNeverALane() {
        assertThat(WORK_CPU_UNBOUND).isEqualTo(4096).isGreaterThanOrEqualTo(num_possible_cpus());
    }

    @Test
    void systemQueueFieldsAreTheIdiomaticSystemQueues() {
        assertThat(system_wq).isSameAs(Workqueues.system());
        assertThat(system_percpu_wq).isSameAs(Workqueues.systemPercpu());
        assertThat(system_highpri_wq).isSameAs(Workqueues.systemHighpri());
        assertThat(system_long_wq).isSameAs(Workqueues.systemLong());
        assertThat(system_unbound_wq).isSameAs(Workqueues.systemUnbound());
        assertThat(system_dfl_wq).isSameAs(Workqueues.systemDfl());
        assertThat(system_freezable_wq).isSameAs(Workqueues.systemFreezable());
        assertThat(system_power_efficient_wq).isSameAs(Workqueues.systemPowerEfficient());
        assertThat(system_freezable_power_efficient_wq).isSameAs(Workqueues.systemFreezablePowerEfficient());
    }

    @Test
    void systemQueuesHaveTheKernelsNames() {
        assertThat(system_wq.name()).isEqualTo("events");
        assertThat(system_highpri_wq.name()).isEqualTo("events_highpri");
        assertThat(system_long_wq.name()).isEqualTo("events_long");
        assertThat(system_unbound_wq.name()).isEqualTo("events_unbound");
        assertThat(system_unbound_wq.maxActive()).isEqualTo(WQ_MAX_ACTIVE);
        assertThat(system_dfl_wq.isUnbound()).isTrue();
    }

    @ParameterizedTest
    @EnumSource(value = WorkqueueFlag.class, names = "POWER_EFFICIENT", mode = EnumSource.Mode.EXCLUDE)
    void allocWorkqueueGivesEachFlagBitItsFlag(WorkqueueFlag flag) {
        Workqueue wq = keep(alloc_workqueue("flag", flag.bit(), 0));
        assertThat(wq.flags()).contains(flag);
        assertThat(wq.isUnbound()).isEqualTo(flag == WorkqueueFlag.UNBOUND);
        assertThat(wq.isOrdered()).isFalse();
    }

    @Test
    void allocWorkqueueWithoutFlagsIsPerCpuWithTheDefaultMaxActive() {
        Workqueue wq = keep(alloc_workqueue("plain", 0, 0));
        assertThat(wq.flags()).isEmpty();
        assertThat(wq.isUnbound()).isFalse();
        assertThat(wq.maxActive()).isEqualTo(WQ_DFL_ACTIVE);
    }

    @Test
    void allocWorkqueueCombinesBitsAndKeepsMaxActive() {
        Workqueue wq = keep(alloc_workqueue("combined", WQ_UNBOUND | WQ_HIGHPRI | WQ_MEM_RECLAIM, 16));
        assertThat(wq.flags()).containsExactlyInAnyOrder(
                WorkqueueFlag.UNBOUND, WorkqueueFlag.HIGHPRI, WorkqueueFlag.MEM_RECLAIM);
        assertThat(wq.maxActive()).isEqualTo(16);
        assertThat(wq.name()).isEqualTo("combined");
    }

    @Test
    void percpuTogetherWithUnboundIsUnbound() {
        Workqueue wq = keep(alloc_workqueue("both", WQ_PERCPU | WQ_UNBOUND, 0));
        assertThat(wq.isUnbound()).isTrue();
        assertThat(wq.flags()).doesNotContain(WorkqueueFlag.PERCPU);
    }

    @Test
    void allocOrderedWorkqueueIsOrderedUnboundWithMaxActiveOne() {
        Workqueue wq = keep(alloc_ordered_workqueue("ordered", WQ_HIGHPRI));
        assertThat(wq.isOrdered()).isTrue();
        assertThat(wq.isUnbound()).isTrue();
        assertThat(wq.maxActive()).isEqualTo(1);
        assertThat(wq.flags()).containsExactlyInAnyOrder(WorkqueueFlag.UNBOUND, WorkqueueFlag.HIGHPRI);
    }

    @Test
    @SuppressWarnings("deprecation")
    void createWorkqueueIsAllocWorkqueueMemReclaimMaxActiveOnePerCpuNotOrdered() {
        Workqueue wq = keep(create_workqueue("legacy"));
        assertThat(wq.name()).isEqualTo("legacy");
        assertThat(wq.flags()).isEqualTo(EnumSet.of(WorkqueueFlag.MEM_RECLAIM));
        assertThat(wq.isUnbound()).isFalse();
        assertThat(wq.maxActive()).isEqualTo(1);
        assertThat(wq.isOrdered()).isFalse();
    }

    @Test
    @SuppressWarnings("deprecation")
    void createSinglethreadWorkqueueIsAllocOrderedWorkqueueMemReclaim() {
        Workqueue wq = keep(create_singlethread_workqueue("legacy-st"));
        assertThat(wq.name()).isEqualTo("legacy-st");
        assertThat(wq.flags()).isEqualTo(EnumSet.of(WorkqueueFlag.UNBOUND, WorkqueueFlag.MEM_RECLAIM));
        assertThat(wq.maxActive()).isEqualTo(1);
        assertThat(wq.isOrdered()).isTrue();
        assertThatThrownBy(() -> workqueue_set_max_active(wq, 2))
                .as("an ordered queue's max_active is fixed").isInstanceOf(IllegalStateException.class);
    }

    @Test
    @SuppressWarnings("deprecation")
    void createFreezableWorkqueueIsUnboundMaxActiveOneButNotOrdered() {
        Workqueue wq = keep(create_freezable_workqueue("legacy-fr"));
        assertThat(wq.name()).isEqualTo("legacy-fr");
        assertThat(wq.flags()).isEqualTo(
                EnumSet.of(WorkqueueFlag.FREEZABLE, WorkqueueFlag.UNBOUND, WorkqueueFlag.MEM_RECLAIM));
        assertThat(wq.isUnbound()).isTrue();
        assertThat(wq.maxActive()).isEqualTo(1);
        assertThat(wq.isOrdered()).isFalse();
        workqueue_set_max_active(wq, 2); // allowed: not ordered
        assertThat(wq.maxActive()).isEqualTo(2);
    }

    @Test
    @SuppressWarnings("deprecation")
    void legacyCreatesMatchTheirAllocForms() {
        Workqueue a = keep(create_workqueue("a"));
        Workqueue b = keep(alloc_workqueue("b", WQ_MEM_RECLAIM, 1));
        Workqueue c = keep(create_singlethread_workqueue("c"));
        Workqueue d = keep(alloc_ordered_workqueue("d", WQ_MEM_RECLAIM));
        Workqueue e = keep(create_freezable_workqueue("e"));
        Workqueue f = keep(alloc_workqueue("f", WQ_FREEZABLE | WQ_UNBOUND | WQ_MEM_RECLAIM, 1));
        assertThat(shape(a)).isEqualTo(shape(b));
        assertThat(shape(c)).isEqualTo(shape(d));
        assertThat(shape(e)).isEqualTo(shape(f));
    }

    private static String shape(Workqueue wq) {
        return wq.flags() + " ordered=" + wq.isOrdered() + " unbound=" + wq.isUnbound() + " max=" + wq.maxActive()
                + " min=" + wq.minActive();
    }
}
