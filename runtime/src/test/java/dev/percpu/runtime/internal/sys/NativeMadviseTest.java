package dev.percpu.runtime.internal.sys;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import org.junit.jupiter.api.Test;

/** The madvise binding: MADV_DONTNEED zeroes an anonymous page; a refusal names the call and errno. */
class NativeMadviseTest {

    @Test
    @SuppressWarnings("restricted") // the mapping is exactly two pages
    void dontNeedZeroesThePageAndErrorsNameTheCall() {
        assumeTrue(Native.canMap() && Native.canAdvise(), "needs mmap and madvise");
        long page = Native.pageSize();
        long address = Native.mmap(2 * page, Native.PROT_READ | Native.PROT_WRITE);
        try {
            MemorySegment s = MemorySegment.ofAddress(address).reinterpret(2 * page);
            s.fill((byte) 7);
            Native.madvise(address, page, Native.MADV_DONTNEED);
            assertEquals(0, s.get(ValueLayout.JAVA_BYTE, 0));
            assertEquals(0, s.get(ValueLayout.JAVA_BYTE, page - 1));
            assertEquals(7, s.get(ValueLayout.JAVA_BYTE, page)); // the next page is untouched
            String m = assertThrows(IllegalStateException.class,
                    () -> Native.madvise(address + 1, page, Native.MADV_DONTNEED)).getMessage();
            assertEquals("madvise(0x" + Long.toHexString(address + 1) + ", " + page + ", 4) failed: errno 22", m);
        } finally {
            Native.munmap(address, 2 * page);
        }
    }
}
