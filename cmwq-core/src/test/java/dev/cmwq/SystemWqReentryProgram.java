package dev.cmwq;

/**
 * Run in a child JVM by {@link FirstUseTest}: a listener told of system_wq's creation asks for
 * system_wq. Prints what the listener's call threw (or {@code returned}), whether later calls
 * return one queue, and how many registered queues are named {@code events}.
 */
public final class SystemWqReentryProgram {
    private SystemWqReentryProgram() {}

    public static void main(String[] args) {
        String[] seen = {"not told"};
        Workqueues.addListener(new WorkqueueListener() {
            @Override
            public void created(Workqueue wq) {
                if (wq.name().equals("events") && seen[0].equals("not told")) {
                    try {
                        Workqueues.system();
                        seen[0] = "returned";
                    } catch (RuntimeException e) {
                        seen[0] = e.getClass().getSimpleName() + ": " + e.getMessage();
                    }
                }
            }
        });
        Workqueue q = Workqueues.system();
        long events = Workqueues.all().stream().filter(w -> w.name().equals("events")).count();
        System.out.println(seen[0]);
        System.out.println((q == Workqueues.system()) + " " + events);
    }
}
