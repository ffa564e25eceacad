package dev.percpu.runtime.internal.alloc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** BitmapChunk case by case: arguments, edges, spans, hidden parts, bad frees, page tracking. */
class BitmapChunkTest {

    private static final int K = 1024;

    @Test
    void rejectsBadArgumentsNamingValueAndRule() {
        BitmapChunk c = new BitmapChunk(16 * K);
        assertEquals("size must be > 0: 0", assertThrows(IllegalArgumentException.class, () -> c.alloc(0, 4)).getMessage());
        assertEquals("size must be <= the region size 16384: 16388",
                assertThrows(IllegalArgumentException.class, () -> c.alloc(16 * K + 4, 4)).getMessage());
        assertEquals("align must be a power of two: 12",
                assertThrows(IllegalArgumentException.class, () -> c.alloc(8, 12)).getMessage());
        assertThrows(IllegalArgumentException.class, () -> new BitmapChunk(6000));
        assertThrows(IllegalArgumentException.class, () -> new BitmapChunk(8 * K, 0, 8 * K, 3000));
        assertThrows(IllegalArgumentException.class, () -> new BitmapChunk(8 * K, 6, 8 * K, 4096));
        assertThrows(IllegalArgumentException.class, () -> new BitmapChunk(8 * K, 4096, 4096, 4096));
        assertThrows(IllegalArgumentException.class, () -> new BitmapChunk(8 * K, 0, 8 * K + 4, 4096));
    }

    @Test
    void sizeRoundsUpToFourAndSmallAlignmentsBehaveAsFour() {
        BitmapChunk c = new BitmapChunk(4 * K);
        assertEquals(0, c.alloc(1, 1));
        assertEquals(4, c.alloc(3, 2));
        assertEquals(8, c.alloc(5, 4));
        assertEquals(8, c.sizeOf(8));
        assertEquals(4 * K - 16, c.freeBytes());
        c.checkInvariants();
    }

    @Test
    void alignmentLargerThanABlock() {
        BitmapChunk c = new BitmapChunk(32 * K);
        assertEquals(0, c.alloc(4, 4));
        assertEquals(8192, c.alloc(4, 8192));
        assertEquals(16384, c.alloc(8, 8192));
        assertEquals(24576, c.alloc(4096, 8192));
        assertEquals(-1, c.alloc(4, 8192), "every 8 KiB boundary is taken");
        assertEquals(-1, c.alloc(4, 65536), "only offset 0 is 64 KiB aligned, and it is taken");
        assertEquals(4, c.alloc(4, 4));
        c.checkInvariants();
    }

    @Test
    void allocationsSpanningBlocks() {
        BitmapChunk c = new BitmapChunk(16 * K);
        assertEquals(0, c.alloc(100, 4));
        int big = c.alloc(9000, 4);
        assertEquals(100, big);
        assertEquals(9000, c.sizeOf(big));
        assertEquals(1, c.emptyBlocks(), "blocks 0-2 are in use, block 3 is free");
        c.checkInvariants();
        assertEquals(9000, c.free(big));
        assertEquals(3, c.emptyBlocks());
        assertEquals(16 * K - 100, c.contigHintBytes());
        c.checkInvariants();
        // a run that crosses blocks only through right_free/left_free
        int a = c.alloc(4096 - 100 - 8, 4);
        int b = c.alloc(8, 4);
        assertEquals(4088, b);
        assertEquals(12 * K, c.contigHintBytes(), "blocks 1-3");
        c.free(a);
        assertEquals(12 * K, c.contigHintBytes());
        c.free(b);
        assertEquals(16 * K - 100, c.contigHintBytes(), "the freed run merged across the block edge");
        c.checkInvariants();
    }

    @Test
    void exactFillThenOneMoreFails() {
        BitmapChunk c = new BitmapChunk(8 * K);
        for (int i = 0; i < 8 * K / 64; i++) {
            assertEquals(i * 64, c.alloc(64, 64));
        }
        assertEquals(0, c.freeBytes());
        assertEquals(0, c.contigHintBytes());
        assertEquals(0, c.emptyBlocks());
        assertEquals(-1, c.alloc(4, 4));
        c.checkInvariants();
        c.free(4096);
        assertEquals(4096, c.alloc(64, 4));
        for (int i = 0; i < 8 * K / 64; i++) {
            c.free(i * 64);
        }
        assertTrue(c.isEmpty());
        assertEquals(8 * K, c.contigHintBytes());
        assertEquals(2, c.emptyBlocks());
        c.checkInvariants();
    }

    @Test
    void wholeRegionInOneAllocation() {
        BitmapChunk c = new BitmapChunk(8 * K);
        assertEquals(0, c.alloc(8 * K, 8 * K));
        assertEquals(-1, c.alloc(4, 4));
        assertEquals(8 * K, c.free(0));
        c.checkInvariants();
    }

    @Test
    void badFreesNameTheOffset() {
        BitmapChunk c = new BitmapChunk(8 * K, 128, 8 * K - 64, 4096);
        int a = c.alloc(32, 4);
        assertEquals(128, a);
        assertEquals("offset 136 is not a live allocation: it is inside the allocation at 128 (an interior offset)",
                assertThrows(IllegalStateException.class, () -> c.free(136)).getMessage());
        assertEquals("offset 130 is not a live allocation: not a multiple of 4 (an interior offset)",
                assertThrows(IllegalStateException.class, () -> c.free(130)).getMessage());
        assertEquals("offset 0 is not a live allocation: outside the allocatable range [128, 8128) of a 8192-byte region",
                assertThrows(IllegalStateException.class, () -> c.free(0)).getMessage());
        assertThrows(IllegalStateException.class, () -> c.free(8128), "the hidden suffix");
        assertThrows(IllegalStateException.class, () -> c.free(-4));
        assertThrows(IllegalStateException.class, () -> c.free(1 << 20));
        assertThrows(IllegalStateException.class, () -> c.free(160), "never allocated");
        assertEquals(32, c.free(a));
        assertEquals("offset 128 is not a live allocation: it is free (double free?)",
                assertThrows(IllegalStateException.class, () -> c.free(a)).getMessage());
        assertThrows(IllegalStateException.class, () -> c.sizeOf(a));
        c.checkInvariants();
    }

    @Test
    void firstChunkPrefixAndSuffixAreNeverHandedOut() {
        // the runtime's default first chunk: 28 KiB dynamic region after an 8256-byte static part
        int region = 40 * K;
        int start = 8256 + 4 * K;
        BitmapChunk c = new BitmapChunk(region, start, region - 100 * 4, 4096);
        assertEquals(region - start - 400, c.freeBytes());
        assertEquals(region - start - 400, c.contigHintBytes());
        assertTrue(c.isEmpty());
        assertEquals(0, c.liveAllocations());
        assertEquals(5, c.emptyBlocks(), "blocks 0-3 hold the prefix (12352 bytes), block 9 the suffix");
        assertEquals(start, c.alloc(4, 4));
        assertEquals(16 * K, c.alloc(4, 4096));
        c.checkInvariants();
        int n = 0;
        while (c.alloc(64, 4) >= 0) {
            n++;
        }
        // [12356, 16384) takes 62 (60 bytes left), [16388, 40560) takes 377 (44 left)
        assertEquals(62 + 377, n);
        assertEquals(60 + 44, c.freeBytes());
        assertEquals(60, c.contigHintBytes());
        c.checkInvariants();
    }

    @Test
    void oneBlockRegion() {
        BitmapChunk c = new BitmapChunk(4096, 0, 4096, 4096);
        assertEquals(1, c.blockCount());
        assertEquals(1, c.emptyBlocks());
        int a = c.alloc(4096, 4);
        assertEquals(0, c.emptyBlocks());
        assertEquals(-1, c.alloc(4, 4));
        c.free(a);
        assertTrue(c.isBlockEmpty(0));
        BitmapChunk small = new BitmapChunk(256, 4, 252, 256);
        assertEquals(4, small.alloc(4, 4));
        assertEquals(-1, small.alloc(248, 4));
        assertEquals(8, small.alloc(244, 4));
        assertEquals(0, small.freeBytes());
        small.checkInvariants();
    }

    @Test
    void emptyBlocksCanBeEnumeratedAfterFrees() {
        BitmapChunk c = new BitmapChunk(16 * K);
        int a = c.alloc(4, 4);
        int b = c.alloc(4096, 4096);
        int d = c.alloc(4, 4);
        assertEquals(4096, b);
        assertEquals(2, c.emptyBlocks());
        assertEquals(2, c.nextEmptyBlock(0));
        assertEquals(-1, c.nextEmptyBlock(4));
        assertFalse(c.isBlockEmpty(1));
        c.free(b);
        assertTrue(c.isBlockEmpty(1));
        assertEquals(1, c.nextEmptyBlock(0));
        assertEquals(3, c.emptyBlocks());
        c.free(a);
        c.free(d);
        assertEquals(4, c.emptyBlocks());
        assertThrows(IndexOutOfBoundsException.class, () -> c.isBlockEmpty(4));
        c.checkInvariants();
    }

    @Test
    void smallHolesAreFilledBeforeTheLargeRun() {
        BitmapChunk c = new BitmapChunk(16 * K);
        int[] offs = new int[10];
        for (int i = 0; i < offs.length; i++) {
            offs[i] = c.alloc(16, 4);
        }
        c.free(offs[3]);
        c.free(offs[7]);
        assertEquals(offs[3], c.alloc(16, 4), "the first hole, not the free tail");
        assertEquals(offs[7], c.alloc(8, 4));
        assertEquals(offs[7] + 8, c.alloc(8, 8));
        c.checkInvariants();
    }

    @Test
    void statsReportFragmentation() {
        BitmapChunk c = new BitmapChunk(4 * K);
        AllocatorStats.ChunkStats s = c.stats();
        assertEquals(0.0, s.fragmentation());
        int a = c.alloc(1024, 4);
        c.alloc(1024, 4);
        c.free(a);
        s = c.stats();
        assertEquals(2048 + 1024 - 2048, s.freeBytes() - s.largestFreeRun());
        assertEquals(1.0 / 3, s.fragmentation(), 1e-9);
        assertEquals(1, s.liveAreas());
    }
}
