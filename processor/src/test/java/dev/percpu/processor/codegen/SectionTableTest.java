package dev.percpu.processor.codegen;

import static com.google.common.truth.Truth.assertThat;

import dev.percpu.Section;
import dev.percpu.processor.layout.LayoutPlanner;
import dev.percpu.processor.model.Options;
import dev.percpu.processor.model.VarKind;
import dev.percpu.processor.model.Variable;
import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The variable table text, its hash, and its split into class-file constants. */
class SectionTableTest {

    @Test
    void tableListsHoldersThenTheirVariablesInLayoutOrder() {
        String table = SectionTable.text(LayoutPlanner.plan(List.of(
                new Variable("a.B", "x", VarKind.LONG, Section.DEFAULT, 0),
                new Variable("a.B", "arr", VarKind.INT, Section.FIRST, 3),
                new Variable("a.C$D", "r", VarKind.REFERENCE, Section.DEFAULT, 0),
                new Variable("a.C$D", "y", VarKind.SHORT, Section.DEFAULT, 0)), Options.defaults()));
        assertThat(table).isEqualTo("""
                @a.B
                arr INT FIRST 0 3
                x LONG DEFAULT 64 0
                @a.C$D
                y SHORT DEFAULT 72 0
                r REFERENCE DEFAULT 0 0
                """);
    }

    @Test
    void hashIsTheFirstEightBytesOfSha256() {
        // SHA-256("") = e3b0c442 98fc1c14 ...
        assertThat(SectionTable.hash("")).isEqualTo(0xe3b0c44298fc1c14L);
        assertThat(SectionTable.hash("@a.B\nx LONG DEFAULT 0 0\n"))
                .isNotEqualTo(SectionTable.hash("@a.B\nx LONG DEFAULT 8 0\n"));
    }

    @Test
    void chunksSplitAtLineEndsAndFitAClassFileConstant() throws IOException {
        StringBuilder text = new StringBuilder();
        for (int i = 0; i < 20_000; i++) {
            text.append("fieldNumber").append(i).append("_\u00e9\u4e2d LONG DEFAULT ").append(8L * i).append(" 0\n");
        }
        List<String> chunks = SectionTable.chunks(text.toString());
        assertThat(chunks.size()).isGreaterThan(1);
        assertThat(String.join("", chunks)).isEqualTo(text.toString());
        for (int i = 0; i < chunks.size(); i++) {
            assertThat(chunks.get(i)).endsWith("\n");
            ByteArrayOutputStream bytes = new ByteArrayOutputStream();
            new DataOutputStream(bytes).writeUTF(chunks.get(i)); // throws past 65535 bytes of modified UTF-8
            assertThat(bytes.size() - 2).isAtMost(SectionTable.CHUNK_BYTES);
            if (i < chunks.size() - 1) { // full chunks: the next line would not have fit
                assertThat(bytes.size() - 2).isGreaterThan(SectionTable.CHUNK_BYTES - 100);
            }
        }
    }
}
