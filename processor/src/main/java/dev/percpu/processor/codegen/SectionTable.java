package dev.percpu.processor.codegen;

import dev.percpu.processor.layout.Layout;
import dev.percpu.processor.layout.Placement;
import dev.percpu.processor.model.Variable;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.List;

/**
 * The section's variable table in the runtime's text format ({@code StaticSection}'s class
 * comment): {@code @<holder binary name>} starts a holder, then one line
 * {@code <field> <KIND> <SECTION> <offset> <length>} per variable, in layout order. A table is
 * class-file constants, not code, so a section of any number of variables stays far from the
 * JVM's 64 KiB method limit.
 */
final class SectionTable {

    /** Most modified-UTF-8 bytes of one chunk: a class-file string constant holds at most 65535. */
    static final int CHUNK_BYTES = 60_000;

    private SectionTable() {}

    static String text(Layout layout) {
        StringBuilder table = new StringBuilder();
        String holder = null;
        for (Placement p : (Iterable<Placement>) layout.placements()::iterator) {
            Variable v = p.variable();
            if (!v.holder().equals(holder)) {
                holder = v.holder();
                table.append('@').append(holder).append('\n');
            }
            table.append(v.field()).append(' ').append(v.kind()).append(' ').append(v.section()).append(' ')
                    .append(p.offset()).append(' ').append(v.length()).append('\n');
        }
        return table.toString();
    }

    /** The layout hash: the first 8 bytes (big-endian) of the SHA-256 of the table text in UTF-8. */
    static long hash(String table) {
        try {
            byte[] sha = MessageDigest.getInstance("SHA-256").digest(table.getBytes(StandardCharsets.UTF_8));
            return ByteBuffer.wrap(sha).getLong();
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JDK provides SHA-256", e);
        }
    }

    /** {@code text} split at line ends into chunks of at most {@link #CHUNK_BYTES} modified-UTF-8 bytes. */
    static List<String> chunks(String text) {
        List<String> chunks = new ArrayList<>();
        StringBuilder chunk = new StringBuilder();
        int bytes = 0;
        for (String line : text.split("(?<=\n)")) {
            int lineBytes = modifiedUtf8Length(line);
            if (bytes + lineBytes > CHUNK_BYTES && !chunk.isEmpty()) {
                chunks.add(chunk.toString());
                chunk.setLength(0);
                bytes = 0;
            }
            chunk.append(line);
            bytes += lineBytes;
        }
        if (!chunk.isEmpty()) {
            chunks.add(chunk.toString());
        }
        return chunks;
    }

    private static int modifiedUtf8Length(String s) {
        int bytes = 0;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            bytes += c != 0 && c < 0x80 ? 1 : c < 0x800 ? 2 : 3;
        }
        return bytes;
    }
}
