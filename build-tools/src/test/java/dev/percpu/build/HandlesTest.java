package dev.percpu.build;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import java.util.SortedMap;
import org.junit.jupiter.api.Test;

class HandlesTest {

    @Test
    void sixteenClassesOneForEachTypeAndShape() {
        SortedMap<String, String> sources = Handles.generate("$Handle$: $type${#if[array]?[]} $size$ $Storage$ $operand$\n");
        assertEquals(List.of("PerCpuBoolean.java", "PerCpuBooleanArray.java", "PerCpuByte.java", "PerCpuByteArray.java",
                "PerCpuChar.java", "PerCpuCharArray.java", "PerCpuDouble.java", "PerCpuDoubleArray.java", "PerCpuFloat.java",
                "PerCpuFloatArray.java", "PerCpuInt.java", "PerCpuIntArray.java", "PerCpuLong.java", "PerCpuLongArray.java",
                "PerCpuShort.java", "PerCpuShortArray.java"), List.copyOf(sources.keySet()));
        assertEquals("PerCpuBoolean: boolean 1 Byte boolean\n", sources.get("PerCpuBoolean.java"));
        assertEquals("PerCpuCharArray: char[] 2 Char int\n", sources.get("PerCpuCharArray.java"));
        assertEquals("PerCpuFloat: float 4 Int float\n", sources.get("PerCpuFloat.java"));
        assertEquals("PerCpuLongArray: long[] 8 Long long\n", sources.get("PerCpuLongArray.java"));
    }

    @Test
    void familyConditionsAndTheValuesOnlySomeTypesHave() {
        String t = """
                #if[word]
                $type$: word, ops$bits$, one $one$
                #end[word]
                #if[subword]
                $type$: subword, one $one$
                #end[subword]
                #if[fp]
                $type$: fp, ops$bits$, $fromBits$/$toBits$
                #end[fp]
                #if[!integral]
                #if[!fp]
                $type$: neither
                #end[!fp]
                #end[!integral]
                """;
        SortedMap<String, String> s = Handles.generate(t);
        assertEquals("boolean: neither\n", s.get("PerCpuBoolean.java"));
        assertEquals("short: subword, one 1\n", s.get("PerCpuShort.java"));
        assertEquals("int: word, ops32, one 1\n", s.get("PerCpuInt.java"));
        assertEquals("long: word, ops64, one 1L\n", s.get("PerCpuLongArray.java"));
        assertEquals("double: fp, ops64, Double.longBitsToDouble/Double.doubleToRawLongBits\n", s.get("PerCpuDouble.java"));
    }
}
