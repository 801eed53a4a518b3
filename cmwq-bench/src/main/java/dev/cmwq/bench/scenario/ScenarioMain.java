package dev.cmwq.bench.scenario;

import dev.cmwq.Workqueues;
import dev.cmwq.bench.Json;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Runs one whole-workload scenario against one contender in this JVM and prints its result as one
 * JSON line prefixed {@code RESULT }. The suite forks a fresh JVM per (scenario, contender), so
 * neither cmwq's process-wide pools nor a peer's leftover threads leak into another's numbers.
 *
 * <pre>
 * java -cp cmwq-bench.jar dev.cmwq.bench.scenario.ScenarioMain wakeup fjp samples=5000
 * </pre>
 * Scenarios: {@code wakeup}, {@code blocking}, {@code many-queues}, {@code many-executors}, {@code starvation},
 * {@code timer-heap}, {@code timer-lateness}, {@code sampler-reaction}, {@code fanout},
 * {@code idle-heap}, {@code handoff-one-jvm}, {@code cold-start}, {@code schedule-cancel}.
 */
public final class ScenarioMain {
    /** Every scenario, in the order the suite runs them (the suite runs every one). */
    public static final List<String> SCENARIOS = List.of("wakeup", "blocking", "many-queues", "many-executors",
            "starvation", "timer-heap", "timer-lateness", "sampler-reaction", "fanout", "idle-heap", "handoff-one-jvm",
            "cold-start", "schedule-cancel");

    private ScenarioMain() {}

    public static void main(String[] args) throws Exception {
        if (args.length < 2) {
            System.err.println("usage: ScenarioMain <scenario> <contender> [key=value...]; scenarios: " + String.join(", ", SCENARIOS));
            System.exit(2);
        }
        String scenario = args[0];
        String impl = args[1];
        Params p = new Params(args, 2);
        int baseline = Probe.BASELINE_THREADS; // read before any contender exists
        Map<String, Object> result;
        try {
            result = run(scenario, impl, p);
        } catch (Throwable failure) {
            failure.printStackTrace();
            System.exit(1); // nor a failed one's (an executor's threads that are not daemons)
            return;
        }
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("scenario", scenario);
        out.put("impl", impl);
        out.put("params", p.used);
        out.put("lanes", Workqueues.lanes());
        out.put("baselineThreads", baseline);
        out.putAll(result);
        System.out.println("RESULT " + Json.write(out));
        System.out.flush();
        System.exit(0); // a deadlocked contender's threads must not keep the JVM alive
    }

    private static Map<String, Object> run(String scenario, String impl, Params p) throws Exception {
        return switch (scenario) {
            case "wakeup" -> WakeupLatency.run(impl, p);
            case "blocking" -> BlockingMix.run(impl, p);
            case "many-queues" -> ManyQueues.run(impl, p);
            case "many-executors" -> ManyExecutors.run(impl, p);
            case "starvation" -> Starvation.run(impl, p);
            case "timer-heap" -> TimerHeap.run(impl, p);
            case "timer-lateness" -> TimerLateness.run(impl, p);
            case "sampler-reaction" -> SamplerReaction.run(impl, p);
            case "fanout" -> FanOut.run(impl, p);
            case "idle-heap" -> IdleHeap.run(impl, p);
            case "handoff-one-jvm" -> HandoffOneJvm.run(impl, p);
            case "cold-start" -> ColdStart.run(impl, p);
            case "schedule-cancel" -> ScheduleCancel.run(impl, p);
            default -> throw new IllegalArgumentException("scenario \"" + scenario + "\" is not one of " + String.join(", ", SCENARIOS));
        };
    }
}
