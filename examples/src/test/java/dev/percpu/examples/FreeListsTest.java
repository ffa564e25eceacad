package dev.percpu.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.percpu.hotplug.CpuHotplug;
import dev.percpu.runtime.Cpu;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class FreeListsTest {

    @Test
    void aDeadCpusListIsDrainedToTheSharedPoolAndNothingIsLost() {
        try (FreeLists pool = new FreeLists(CpuHotplug.system(), 64)) {
            List<byte[]> taken = new ArrayList<>();
            for (int i = 0; i < 40; i++) {
                taken.add(pool.take());
            }
            taken.forEach(pool::give);
            int cached = 0;
            for (int cpu : Cpu.possible()) {
                cached += pool.cachedOn(cpu);
            }
            assertEquals(40, pool.everyCachedBuffer().size());
            for (int cpu : Cpu.possible()) {
                int before = pool.cachedOn(cpu);
                long drainedBefore = pool.drained();
                pool.drain(cpu); // what the hotplug state's teardown runs for a dead CPU
                assertEquals(0, pool.cachedOn(cpu));
                assertEquals(before, pool.drained() - drainedBefore);
            }
            assertEquals(cached, pool.drained());
            assertEquals(40, pool.everyCachedBuffer().size(), "drained buffers are in the shared pool");
            assertEquals(40, pool.created());
            for (int i = 0; i < 40; i++) {
                pool.take();
            }
            assertEquals(40, pool.created(), "the drained buffers are reused");
        }
    }

    @Test
    void theExampleAccountsForEveryBufferWhileACpuGoesOfflineWherePermitted() throws Exception {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        boolean ok = FreeLists.run(new PrintStream(bytes, true, StandardCharsets.UTF_8), 4, 2_000);
        String out = bytes.toString(StandardCharsets.UTF_8);
        assertTrue(ok, out);
        assertTrue(out.contains("buffers created"), out);
    }
}
