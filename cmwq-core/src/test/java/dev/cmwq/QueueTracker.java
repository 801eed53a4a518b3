package dev.cmwq;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/** Destroys, after each test, the queues a test created through {@link #track}. */
final class QueueTracker implements AfterEachCallback {
    private final List<Workqueue> queues = new ArrayList<>();

    Workqueue track(Workqueue wq) {
        queues.add(wq);
        return wq;
    }

    @Override
    public void afterEach(ExtensionContext context) {
        try {
            queues.forEach(Workqueue::destroy);
        } finally {
            queues.clear();
        }
    }
}
