package imagejobs.benchharness;

import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.lang.management.MemoryUsage;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Collectors;

import javax.management.NotificationEmitter;
import javax.management.openmbean.CompositeData;

import com.sun.management.GarbageCollectionNotificationInfo;

/**
 * Heap in use after each collection, from the JVM's GC notifications: the highest value seen in a window is what the
 * code in it kept alive at worst (with a small young generation, -Xmn, collections come every few MB, so little can
 * hide between two of them; anything too large for the young generation goes straight to the old one and counts
 * until the next full collection, dead or alive, so the figure errs high, never low).
 */
final class HeapWatch {
    private final Set<String> heapPools;
    private final AtomicLong windowPeak = new AtomicLong(-1);
    private final AtomicLong collections = new AtomicLong();
    private volatile boolean open;

    HeapWatch() {
        heapPools = ManagementFactory.getMemoryPoolMXBeans().stream().filter(p -> p.getType() == MemoryType.HEAP)
                .map(MemoryPoolMXBean::getName).collect(Collectors.toSet());
        for (var gc : ManagementFactory.getGarbageCollectorMXBeans()) {
            ((NotificationEmitter) gc).addNotificationListener((notification, handback) -> {
                if (!GarbageCollectionNotificationInfo.GARBAGE_COLLECTION_NOTIFICATION.equals(notification.getType())) {
                    return;
                }
                GarbageCollectionNotificationInfo info = GarbageCollectionNotificationInfo.from(
                        (CompositeData) notification.getUserData());
                collections.incrementAndGet();
                if (open) {
                    long used = heapUsed(info.getGcInfo().getMemoryUsageAfterGc());
                    windowPeak.accumulateAndGet(used, Math::max);
                }
            }, null, null);
        }
    }

    private long heapUsed(Map<String, MemoryUsage> pools) {
        long sum = 0;
        for (Map.Entry<String, MemoryUsage> e : pools.entrySet()) {
            if (heapPools.contains(e.getKey())) {
                sum += e.getValue().getUsed();
            }
        }
        return sum;
    }

    /** A full collection, then the heap in use. */
    long collectAndMeasure() throws InterruptedException {
        System.gc();
        Thread.sleep(50); // notifications arrive on their own thread
        return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
    }

    void startWindow() {
        windowPeak.set(-1);
        open = true;
    }

    /**
     * The highest heap in use after a collection since {@link #startWindow}, or the heap in use now if higher (an
     * array allocated straight into the old generation late in the job, dead or not, still counts): an upper bound.
     */
    long endWindow() throws InterruptedException {
        long now = ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
        Thread.sleep(50);
        open = false;
        return Math.max(windowPeak.get(), now);
    }

    long collections() {
        return collections.get();
    }
}
