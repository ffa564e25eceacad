package dev.percpu.runtime.internal.rseq;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.percpu.runtime.internal.rseq.RseqAssembler.Op;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.HexFormat;
import org.junit.jupiter.api.Test;

/**
 * The generated restartable sequences, byte for byte. The golden bytes were checked with
 * {@code objdump -D -b binary -m i386:x86-64 -M intel}; add64 disassembles to
 * <pre>
 *   lea rcx,[rip+cs]; mov QWORD PTR fs:0x928,rcx
 *   mov eax,DWORD PTR fs:0x924; cmp eax,0x3e8; jae oob
 *   mov r8,QWORD PTR [rdi+rax*8]; mov rax,QWORD PTR [r8+rsi*1]; add rax,rdx
 *   mov QWORD PTR [r8+rsi*1],rax; ret; ud1 edi,[rip+0x53053053]; jmp fn; ud2
 * </pre>
 * (rseq offset 2336, nr_cpu_ids 1000, descriptor at offset 0 of the page).
 */
class RseqAssemblerTest {

    private static final String[] GOLDEN = {
            "ADD64", "488d0df9ffffff6448890c2528090000648b0425240900003de80300000f831c0000004c8b04c7498b04304801d049890430c30fb93d53300553e9c1ffffff0f0b",
            "ADD32", "488d0d19feffff6448890c2528090000648b0425240900003de80300000f831b0000004c8b04c7418b043001d041890430c30fb93d53300553e9c2ffffff0f0b",
            "AND64", "488d0da9ffffff6448890c2528090000648b0425240900003de80300000f831c0000004c8b04c7498b04304821d049890430c30fb93d53300553e9c1ffffff0f0b",
            "AND32", "488d0dc9fdffff6448890c2528090000648b0425240900003de80300000f831b0000004c8b04c7418b043021d041890430c30fb93d53300553e9c2ffffff0f0b",
            "OR64", "488d0d59ffffff6448890c2528090000648b0425240900003de80300000f831c0000004c8b04c7498b04304809d049890430c30fb93d53300553e9c1ffffff0f0b",
            "OR32", "488d0d79fdffff6448890c2528090000648b0425240900003de80300000f831b0000004c8b04c7418b043009d041890430c30fb93d53300553e9c2ffffff0f0b",
            "XOR64", "488d0d09ffffff6448890c2528090000648b0425240900003de80300000f831c0000004c8b04c7498b04304831d049890430c30fb93d53300553e9c1ffffff0f0b",
            "XOR32", "488d0d29fdffff6448890c2528090000648b0425240900003de80300000f831b0000004c8b04c7418b043031d041890430c30fb93d53300553e9c2ffffff0f0b",
            "XCHG64", "488d0db9feffff6448890c2528090000648b0425240900003de80300000f83190000004c8b04c7498b043049891430c30fb93d53300553e9c4ffffff0f0b",
            "XCHG32", "488d0dd9fcffff6448890c2528090000648b0425240900003de80300000f83190000004c8b04c7418b043041891430c30fb93d53300553e9c4ffffff0f0b",
            "CMPXCHG64", "4c8d0d69feffff644c890c2528090000648b0425240900003de80300000f831e0000004c8b04c7498b04304839d0750449890c30c30fb93d53300553e9bfffffff0f0b",
            "CMPXCHG32", "4c8d0d89fcffff644c890c2528090000648b0425240900003de80300000f831d0000004c8b04c7418b043039d0750441890c30c30fb93d53300553e9c0ffffff0f0b"
    };

    private static final String ACQUIRE = "488d0df9ffffff6448890c2528090000648b0425240900003de80300000f83230000004889c1"
            + "48c1e10648833c0f000f85130000004889340fc30fb93d53300553e9baffffff0f0bb8ffffffffc3";

    @Test
    void everyFunctionMatchesItsVerifiedEncoding() {
        for (int i = 0; i < GOLDEN.length; i += 2) {
            String name = GOLDEN[i];
            boolean wide = name.endsWith("64");
            Op op = Op.valueOf(name.substring(0, name.length() - 2));
            RseqAssembler.Fn f = RseqAssembler.function(op, wide, RseqAssembler.functionOffset(op, wide), 0, 2336, 1000);
            assertEquals(GOLDEN[i + 1], HexFormat.of().formatHex(f.code()), name);
            assertTrue(f.code().length <= RseqAssembler.SLOT, name + " fits its slot");
        }
    }

    /** {@code objdump}: {@code mov eax,DWORD PTR fs:0x924; ret} (rseq offset 2336). */
    @Test
    void theCpuIdFunctionIsOneLoadOfTheRseqAreasCpuId() {
        assertEquals("648b042524090000c3", HexFormat.of().formatHex(RseqAssembler.cpuIdFunction(2336)));
        assertEquals("648b0425e4ffffffc3", HexFormat.of().formatHex(RseqAssembler.cpuIdFunction(-32)),
                "a negative offset (the area below the thread pointer) is a negative displacement");
    }

    /**
     * {@code objdump}: {@code push rbx; push r12; sub rsp,0x8; mov r12,rdi; mov rbx,rsi; mov eax,0xffffffff;
     * test rbx,rbx; jle 0x1f; call r12; dec rbx; jne 0x17; add rsp,0x8; pop r12; pop rbx; ret}.
     */
    @Test
    void theCalibrationLoopCallsItsArgumentNTimesWithTheStackAligned() {
        assertEquals("5341544883ec084989fc4889f3b8ffffffff4885db7e0841ffd448ffcb75f84883c408415c5bc3",
                HexFormat.of().formatHex(RseqAssembler.callLoopFunction()));
        assertEquals("31c0c3", HexFormat.of().formatHex(RseqAssembler.emptyFunction()), "xor eax,eax; ret");
    }

    @Test
    void descriptorsPointAtTheirSections() {
        long base = 0x7f00_0000_0000L;
        ByteBuffer page = ByteBuffer.wrap(RseqAssembler.generate(base, 2336, 1000)).order(ByteOrder.LITTLE_ENDIAN);
        int cs = RseqAssembler.csOffset(0);
        for (boolean wide : new boolean[] {true, false}) {
            for (Op op : Op.values()) {
                int fn = RseqAssembler.functionOffset(op, wide);
                RseqAssembler.Fn f = RseqAssembler.function(op, wide, fn, cs, 2336, 1000);
                assertEquals(0, cs % 32, "struct rseq_cs is 32-byte aligned");
                assertEquals(0, page.getInt(cs), "version");
                assertEquals(0, page.getInt(cs + 4), "flags");
                assertEquals(base + fn + f.start(), page.getLong(cs + 8), "start_ip");
                assertEquals(f.post() - f.start(), page.getLong(cs + 16), "post_commit_offset");
                assertEquals(base + fn + f.abort(), page.getLong(cs + 24), "abort_ip");
                assertEquals(RseqAssembler.RSEQ_SIG, page.getInt(fn + f.abort() - 4), "signature precedes abort_ip");
                // the commit store is the last instruction before post_commit: a 4-byte mov [r8+rsi], reg
                assertEquals((byte) 0x89, page.get(fn + f.post() - 3), op + " ends the section with a store");
                // the lea in the function reaches this descriptor
                assertEquals(cs, fn + 7 + page.getInt(fn + 3), op + " arms its own descriptor");
                cs += RseqAssembler.CS_SIZE;
            }
        }
        assertEquals(0, RseqAssembler.csOffset(RseqAssembler.ACQUIRE_INDEX) % 32);
    }

    @Test
    void acquireMatchesItsVerifiedEncoding() {
        // objdump: lea rcx,[rip+cs]; mov fs:0x928,rcx; mov eax,fs:0x924; cmp eax,0x3e8; jae oob;
        // mov rcx,rax; shl rcx,6; cmp QWORD PTR [rdi+rcx*1],0x0; jne busy; mov QWORD PTR [rdi+rcx*1],rsi;
        // ret; ud1; jmp fn; ud2; busy: mov eax,0xffffffff; ret
        RseqAssembler.Fn f = RseqAssembler.acquireFunction(0, 0, 2336, 1000);
        assertEquals(ACQUIRE, HexFormat.of().formatHex(f.code()));
        assertEquals(16, f.start());
        assertEquals((byte) 0x89, f.code()[f.post() - 3], "the commit is the store of the token");
    }

    private static final String ADD2 = "488d05f9000000644889042528090000648b0425240900003de80300000f834c0000004c8b14c7"
            + "49011432488d05ee000000644889042528090000648b0425240900003de80300000f83210000004c8b14c74d01040a"
            + "c30fb93d53300553e99dffffff0fb93d53300553e9bcffffff0f0b";

    @Test
    void add2MatchesItsVerifiedEncoding() {
        // objdump: lea rax,[rip+cs0]; mov fs:0x928,rax; mov eax,fs:0x924; cmp eax,0x3e8; jae oob;
        // mov r10,QWORD PTR [rdi+rax*8]; add QWORD PTR [r10+rsi*1],rdx;
        // lea rax,[rip+cs1]; mov fs:0x928,rax; mov eax,fs:0x924; cmp eax,0x3e8; jae oob;
        // mov r10,QWORD PTR [rdi+rax*8]; add QWORD PTR [r10+rcx*1],r8; ret;
        // ud1; jmp p0; ud1; jmp p1; ud2   (function at 0, descriptors at 0x100 and 0x120)
        RseqAssembler.Pairs f = RseqAssembler.add2Function(0, 0x100, 2336, 1000);
        assertEquals(ADD2, HexFormat.of().formatHex(f.code()));
        assertEquals("[16, 59]", java.util.Arrays.toString(f.start()));
        assertEquals("[43, 86]", java.util.Arrays.toString(f.post()), "each sequence ends right after its add");
        assertEquals("[94, 106]", java.util.Arrays.toString(f.abort()));
        for (int i = 0; i < 2; i++) {
            // the commit is a 4-byte memory-destination add (REX, 01, ModRM, SIB) just before post
            assertEquals((byte) 0x01, f.code()[f.post()[i] - 3], "sequence " + i + " commits with add [mem], reg");
        }
    }

    @Test
    void add2DescriptorsPointAtItsSequences() {
        long base = 0x7f00_0000_0000L;
        byte[] bytes = RseqAssembler.generate(base, 2336, 1000);
        assertEquals(RseqAssembler.PAGE_BYTES, bytes.length);
        assertTrue(bytes.length <= 4096, "the page holds everything");
        ByteBuffer page = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
        int fn = RseqAssembler.ADD2_OFFSET;
        assertEquals(0, fn % 16, "add2's entry is 16-aligned");
        assertTrue(fn >= RseqAssembler.csOffset(RseqAssembler.FUNCTIONS), "after the other descriptors");
        RseqAssembler.Pairs f = RseqAssembler.add2Function(fn, RseqAssembler.PAIRS_CS_OFFSET, 2336, 1000);
        for (int i = 0; i < 2; i++) {
            int cs = RseqAssembler.PAIRS_CS_OFFSET + i * RseqAssembler.CS_SIZE;
            assertEquals(0, cs % 32, "struct rseq_cs is 32-byte aligned");
            assertEquals(0, page.getLong(cs), "version and flags");
            assertEquals(base + fn + f.start()[i], page.getLong(cs + 8), "start_ip " + i);
            assertEquals(f.post()[i] - f.start()[i], page.getLong(cs + 16), "post_commit_offset " + i);
            assertEquals(base + fn + f.abort()[i], page.getLong(cs + 24), "abort_ip " + i);
            assertEquals(RseqAssembler.RSEQ_SIG, page.getInt(fn + f.abort()[i] - 4), "signature precedes abort_ip " + i);
        }
        byte[] code = new byte[f.code().length];
        page.get(fn, code);
        assertEquals(HexFormat.of().formatHex(f.code()), HexFormat.of().formatHex(code), "add2 is in the page");
    }
}
