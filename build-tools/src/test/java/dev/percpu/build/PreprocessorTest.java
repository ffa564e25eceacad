package dev.percpu.build;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.percpu.build.Preprocessor.TemplateException;
import java.util.Map;
import org.junit.jupiter.api.Test;

class PreprocessorTest {

    private static final Map<String, String> VALUES = Map.of("type", "long", "Type", "Long", "one", "1L");
    private static final Map<String, Boolean> CONDITIONS = Map.of("long", true, "array", false, "fp", false);

    private static String process(String template) {
        return new Preprocessor("T", VALUES, CONDITIONS).process(template);
    }

    private static String error(String template) {
        return assertThrows(TemplateException.class, () -> process(template)).getMessage();
    }

    @Test
    void textWithoutDirectivesIsCopied() {
        assertEquals("class A {\n    int x = a ? 1 : 2; // cost: $5, {braces}\n}\n",
                process("class A {\n    int x = a ? 1 : 2; // cost: $5, {braces}\n}\n"));
    }

    @Test
    void lastLineWithoutNewlineStaysWithout() {
        assertEquals("a\nb", process("a\nb"));
        assertEquals("", process(""));
        assertEquals("\n\n", process("\n\n"));
    }

    @Test
    void valuesAreSubstituted() {
        assertEquals("public long get() { return PerCpuLong.sumLong(1L); }\n",
                process("public $type$ get() { return PerCpu$Type$.sum$Type$($one$); }\n"));
    }

    @Test
    void valuesAreNotRescanned() {
        Preprocessor p = new Preprocessor("T", Map.of("a", "$b$", "b", "x"), Map.of());
        assertEquals("$b$\n", p.process("$a$\n"));
    }

    @Test
    void ifKeepsItsLinesWhenTheConditionHolds() {
        assertEquals("a\nb\nc\n", process("a\n#if[long]\nb\n#end[long]\nc\n"));
    }

    @Test
    void ifDropsItsLinesWhenTheConditionDoesNot() {
        assertEquals("a\nc\n", process("a\n#if[array]\nb\n#end[array]\nc\n"));
    }

    @Test
    void elseTakesTheOtherLines() {
        String t = "#if[array]\nyes\n#else[array]\nno\n#end[array]\n";
        assertEquals("no\n", process(t));
        assertEquals("yes\n", new Preprocessor("T", VALUES, Map.of("array", true)).process(t));
    }

    @Test
    void negatedCondition() {
        assertEquals("not fp\n", process("#if[!fp]\nnot fp\n#else[!fp]\nfp\n#end[!fp]\n"));
        assertEquals("", process("#if[!long]\nnot long\n#end[!long]\n"));
    }

    @Test
    void directivesMayBeIndentedAndDisappearWhole() {
        assertEquals("    {\n        long\n    }\n", process("    {\n        #if[long]\n        $type$\n        #end[long]\n    }\n"));
    }

    @Test
    void blocksNest() {
        String t = """
                #if[long]
                long
                #if[array]
                long array
                #else[array]
                long scalar
                #if[!fp]
                long scalar, not fp
                #end[!fp]
                #end[array]
                #end[long]
                """;
        assertEquals("long\nlong scalar\nlong scalar, not fp\n", process(t));
    }

    @Test
    void aSkippedBlockSkipsItsInnerBlocksWhateverTheirConditions() {
        String t = """
                #if[array]
                #if[long]
                inner
                #else[long]
                inner else
                #end[long]
                #else[array]
                outer else
                #end[array]
                """;
        assertEquals("outer else\n", process(t));
    }

    @Test
    void valuesInSkippedLinesAreNotResolved() {
        assertEquals("", process("#if[fp]\n$toBits$(x)\n{#if[nosuchkey]?x}\n#end[fp]\n"));
    }

    @Test
    void inlineConditionals() {
        assertEquals("get()\n", process("get({#if[array]?int index})\n"));
        assertEquals("get(long v)\n", process("get({#if[long]?long v})\n"));
        assertEquals("one: 1L, 0\n", process("one: {#if[long]?$one$:1}, {#if[array]?1:0}\n"));
        assertEquals("x  y\n", process("x {#if[array]?a:} y\n"));
        assertEquals("a b\n", process("{#if[!array]?a} {#if[!fp]?b}\n"));
    }

    @Test
    void inlineTextMayContainBalancedBracesAndNestedConditionals() {
        assertEquals("of element {@code index} of the variable\n",
                process("of {#if[long]?element {@code index} of }the variable\n"));
        assertEquals("[the {@code long}: x]\n", process("[{#if[array]?an array:the {@code $type$}: {#if[!array]?x:y}}]\n"));
        assertEquals("z\n", process("{#if[array]?{#if[long]?a:b}:z}\n"));
    }

    @Test
    void templateCommentsAreDropped() {
        assertEquals("a\nb\n", process("#// what this template is\na\n  #// indented comment, $nosuchkey$\nb\n"));
    }

    @Test
    void unclosedIf() {
        assertEquals("T:2: #if[long] is never closed (no #end[long])", error("a\n#if[long]\nb\n"));
        assertEquals("T:3: #if[!fp] is never closed (no #end[!fp])", error("#if[long]\n#end[long]\n#if[!fp]\n#else[!fp]\n"));
    }

    @Test
    void endOrElseWithoutIf() {
        assertEquals("T:2: #end[long] without an open #if", error("a\n#end[long]\n"));
        assertEquals("T:1: #else[long] without an open #if", error("#else[long]\n"));
    }

    @Test
    void endMustRepeatTheConditionOfItsIf() {
        assertEquals("T:3: #end[array] does not match the #if[long] of line 1", error("#if[long]\nx\n#end[array]\n"));
        assertEquals("T:2: #else[fp] does not match the #if[!fp] of line 1", error("#if[!fp]\n#else[fp]\n#end[!fp]\n"));
    }

    @Test
    void secondElse() {
        assertEquals("T:4: second #else[long] for the #if[long] of line 1",
                error("#if[long]\na\n#else[long]\n#else[long]\n#end[long]\n"));
    }

    @Test
    void unknownConditionKey() {
        assertEquals("T:2: unknown condition key 'arry' (known: array, fp, long)", error("a\n#if[arry]\n#end[arry]\n"));
        assertEquals("T:1: unknown condition key 'nope' (known: array, fp, long)", error("x {#if[!nope]?y}\n"));
        // an #if in a skipped block is still checked: a misspelled condition fails for every instance
        assertEquals("T:2: unknown condition key 'lnog' (known: array, fp, long)", error("#if[array]\n#if[lnog]\n#end[lnog]\n#end[array]\n"));
    }

    @Test
    void unknownValueKey() {
        assertEquals("T:2: unknown key '$Typo$' (known here: Type, one, type)", error("ok\nPerCpu$Typo$\n"));
    }

    @Test
    void unknownDirective() {
        assertEquals("T:1: unknown directive '#endif' (expected #if[key], #else[key], #end[key] or #// comment)", error("#endif\n"));
        assertEquals("T:1: unknown directive '#if[long] x' (expected #if[key], #else[key], #end[key] or #// comment)",
                error("#if[long] x\n"));
        assertEquals("T:1: unknown directive '#if[]' (expected #if[key], #else[key], #end[key] or #// comment)", error("#if[]\n"));
    }

    @Test
    void malformedInlineConditionals() {
        assertEquals("T:1: inline conditional '{#if[long]?a' is never closed (no '}' on its line)", error("x {#if[long]?a\n}\n"));
        assertEquals("T:1: malformed inline conditional at '{#if[long] a}' (expected {#if[key]?text} or {#if[key]?text:other})",
                error("x {#if[long] a}\n"));
    }
}
