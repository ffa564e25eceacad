package dev.percpu.runtime.internal.alloc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
import org.junit.jupiter.api.Test;

/** pcpu_chunk_lists[]: slot arithmetic, fullest-first choice, relocation, empty chunks, stats. */
class ChunkSlotsTest {

    private static final int K = 1024;

    @Test
    void sizeToSlotIsTheKernels() {
        assertEquals(1, ChunkSlots.sizeToSlot(4));
        assertEquals(1, ChunkSlots.sizeToSlot(15));
        assertEquals(2, ChunkSlots.sizeToSlot(16));
        assertEquals(3, ChunkSlots.sizeToSlot(32));
        assertEquals(10, ChunkSlots.sizeToSlot(4096));
        assertEquals(14, ChunkSlots.sizeToSlot(64 * K));
        assertEquals(15, new ChunkSlots<String>(64 * K).freeSlot());
    }

    @Test
    void picksTheFullestChunkThatFits() {
        ChunkSlots<String> slots = new ChunkSlots<>(16 * K);
        SlotChunk<String> roomy = slots.add(new BitmapChunk(16 * K), "roomy");
        SlotChunk<String> full = slots.add(new BitmapChunk(16 * K), "full");
        SlotChunk<String> half = slots.add(new BitmapChunk(16 * K), "half");
        fill(full, 16 * K - 100);
        fill(half, 8 * K);
        roomy.chunk().alloc(4, 4);
        slots.free(roomy, 0); // relocate: the slots only learn of changes made through them
        assertEquals(slots.freeSlot(), roomy.slot());
        relocateAll(slots);
        assertEquals(ChunkSlots.sizeToSlot(100), full.slot());
        assertEquals(ChunkSlots.sizeToSlot(8 * K), half.slot());

        long h = slots.alloc(64, 4);
        assertSame(full, slots.chunk(ChunkSlots.chunkId(h)), "100 free bytes hold 64: the fullest wins");
        h = slots.alloc(64, 4);
        assertSame(half, slots.chunk(ChunkSlots.chunkId(h)), "36 bytes left in 'full' are too few");
        h = slots.alloc(12 * K, 4);
        assertSame(roomy, slots.chunk(ChunkSlots.chunkId(h)), "only the empty chunk has 12 KiB");
        assertEquals(ChunkSlots.NO_FIT, slots.alloc(15 * K, 4));
    }

    /** The test reaches into chunks to shape them, then puts each where it belongs. */
    private static void relocateAll(ChunkSlots<String> slots) {
        for (int id = 0; slots.chunk(id) != null; id++) {
            SlotChunk<String> c = slots.chunk(id);
            int off = c.chunk().alloc(4, 4);
            slots.free(c, off);
        }
    }

    private static void fill(SlotChunk<String> c, int bytes) {
        c.chunk().alloc(bytes, 4);
    }

    @Test
    void relocationMovesUpToTheFrontAndDownToTheBack() {
        ChunkSlots<Integer> slots = new ChunkSlots<>(4 * K);
        SlotChunk<Integer> a = slots.add(new BitmapChunk(4 * K), 1);
        SlotChunk<Integer> b = slots.add(new BitmapChunk(4 * K), 2);
        SlotChunk<Integer> c = slots.add(new BitmapChunk(4 * K), 3);
        assertEquals(List.of(c, b, a), slots.slotList(slots.freeSlot()), "add puts a chunk at the front");

        long ha = slots.alloc(4 * K - 2000, 4); // into c, the head of the free slot
        assertSame(c, slots.chunk(ChunkSlots.chunkId(ha)));
        int slot2000 = ChunkSlots.sizeToSlot(2000);
        assertEquals(slot2000, c.slot());
        slots.alloc(4 * K - 2000, 4); // into b: moved down, to the back
        assertEquals(List.of(c, b), slots.slotList(slot2000));
        assertEquals(List.of(a), slots.slotList(slots.freeSlot()));

        slots.alloc(100, 4); // the first chunk of the lowest slot that fits: c, still in the same slot
        assertEquals(List.of(c, b), slots.slotList(slot2000));
        long hc = slots.alloc(1800, 4); // c again: down to a lower slot
        assertSame(c, slots.chunk(ChunkSlots.chunkId(hc)));
        int low = c.slot();
        assertEquals(ChunkSlots.sizeToSlot(2000 - 100 - 1800), low);

        slots.free(hc); // back up: to the front of its old slot
        assertEquals(List.of(c, b), slots.slotList(slot2000));
        slots.free(ha);
        assertEquals(ChunkSlots.sizeToSlot(4 * K - 100), c.slot());
    }

    @Test
    void reportsEmptyChunksBeyondOne() {
        ChunkSlots<String> slots = new ChunkSlots<>(8 * K);
        SlotChunk<String> first = slots.add(new BitmapChunk(8 * K, 256, 8 * K, 4096), "first");
        long h1 = slots.alloc(8 * K - 256, 4);
        assertSame(first, slots.chunk(ChunkSlots.chunkId(h1)));
        assertEquals(0, first.slot());
        assertEquals(ChunkSlots.NO_FIT, slots.alloc(4, 4));
        SlotChunk<String> second = slots.add(new BitmapChunk(8 * K), "second");
        long h2 = slots.alloc(4, 4);
        assertSame(second, slots.chunk(ChunkSlots.chunkId(h2)));
        SlotChunk<String> third = slots.add(new BitmapChunk(8 * K), "third");
        assertNull(slots.reclaimable(), "one wholly free chunk is kept");
        assertEquals(1, slots.emptyChunks());

        slots.free(h2);
        assertEquals(2, slots.emptyChunks());
        SlotChunk<String> victim = slots.reclaimable();
        assertSame(third, victim, "second moved up to the front, so the older empty chunk goes");
        slots.remove(victim);
        assertEquals(-1, victim.id());
        assertNull(slots.reclaimable());
        slots.free(h1);
        assertEquals(1, slots.emptyChunks(), "a chunk with a hidden prefix is never wholly free");
        assertEquals("first", slots.chunk(0).payload());

        assertThrows(IllegalStateException.class, () -> slots.remove(victim));
        assertSame(first, slots.chunk(ChunkSlots.chunkId(slots.alloc(4, 4))), "slot 13 comes before the free slot");
        assertThrows(IllegalStateException.class, () -> slots.remove(first), "it has a live allocation");
        SlotChunk<String> reused = slots.add(new BitmapChunk(4 * K), "reused");
        assertEquals(2, reused.id(), "the lowest free id");
        assertThrows(IllegalArgumentException.class, () -> slots.add(new BitmapChunk(16 * K), "too big"));
    }

    @Test
    void statsCountLikePercpuStats() {
        ChunkSlots<String> slots = new ChunkSlots<>(8 * K);
        slots.add(new BitmapChunk(8 * K), "a");
        long x = slots.alloc(5, 4);
        long y = slots.alloc(300, 4);
        slots.free(x);
        AllocatorStats s = slots.stats();
        assertEquals(2, s.allocations());
        assertEquals(1, s.frees());
        assertEquals(1, s.liveAllocations());
        assertEquals(2, s.maxLiveAllocations());
        assertEquals(1, s.chunks());
        assertEquals(8, s.minAllocSize());
        assertEquals(300, s.maxAllocSize());
        assertEquals(1, s.emptyPages());
        assertEquals(8 * K - 300, s.perChunk().getFirst().freeBytes());
        assertEquals(1, s.perChunk().getFirst().liveAreas());
        slots.free(y);
        assertEquals(2, slots.stats().emptyPages());
        assertThrows(IllegalStateException.class, () -> slots.free(y));
        assertThrows(IllegalArgumentException.class, () -> slots.alloc(8 * K + 4, 4));
        assertThrows(IllegalArgumentException.class, () -> slots.alloc(4, 3));
    }
}
