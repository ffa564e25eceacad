package dev.percpu.build;

import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Map;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A small source-template preprocessor in the spirit of the JDK's {@code Spp} (which expands
 * {@code X-Buffer.java.template} into the typed buffer classes). A template is the Java it produces,
 * with four additions:
 *
 * <pre>
 * $name$                          the value of key {@code name}, e.g. {@code $type$} -> {@code long}
 * #if[cond]                       on a line of its own: the lines up to the matching #else[cond]
 * #else[cond]                       or #end[cond] are kept when cond holds, the lines after
 * #end[cond]                        #else[cond] when it does not; blocks nest
 * {#if[cond]?text}                inline, within one line: text when cond holds, else nothing
 * {#if[cond]?text:other}          inline: text when cond holds, else other
 * #// comment                     a line of the template's own documentation, never output
 * </pre>
 *
 * <p>{@code cond} is a condition key or {@code !key}; {@code #else} and {@code #end} repeat it
 * exactly as their {@code #if} wrote it. Inline text may contain balanced braces (so
 * {@code {#if[array]?element {@code index} of }} works), keys and further inline conditionals; the
 * first {@code :} outside braces separates the two alternatives, so text with a colon of its own
 * (a {@code ?:} expression) belongs in an {@code #if} block instead. Directive lines disappear from
 * the output whole, with their indentation.
 *
 * <p>Everything the template names must be known: a {@code $name$} without a value, a condition key
 * without a truth value, a line starting with {@code #} that is not a directive, an {@code #else} or
 * {@code #end} without its {@code #if}, and an {@code #if} never closed are {@link TemplateException}s
 * that name the template and line. Keys of {@code $name$} and of inline conditionals are resolved
 * only in lines that are output (a value can exist for some instances only, e.g. the floating-point
 * types' {@code $toBits$}); the keys of {@code #if} lines in skipped blocks too, so a misspelled
 * block condition fails for every instance.
 */
public final class Preprocessor {

    private static final Pattern DIRECTIVE = Pattern.compile("#(if|else|end)\\[(!?)([A-Za-z][A-Za-z0-9_]*)]");
    private static final Pattern VALUE = Pattern.compile("\\$([A-Za-z][A-Za-z0-9_]*)\\$");
    private static final Pattern INLINE_IF = Pattern.compile("\\{#if\\[(!?)([A-Za-z][A-Za-z0-9_]*)]\\?");
    private static final String INLINE_START = "{#if";

    private final String name;
    private final Map<String, String> values;
    private final Map<String, Boolean> conditions;

    /**
     * @param name       the template's name in error messages, e.g. its path
     * @param values     the value of each {@code $key$}
     * @param conditions the truth of each condition key; every key a template may test must be here
     */
    public Preprocessor(String name, Map<String, String> values, Map<String, Boolean> conditions) {
        this.name = name;
        this.values = Map.copyOf(values);
        this.conditions = Map.copyOf(conditions);
    }

    /** One open {@code #if} block. */
    private record Block(String cond, int line, boolean outerActive, boolean holds, boolean inElse) {
        boolean active() {
            return outerActive && (inElse != holds);
        }
    }

    /** Expands {@code template}; lines end with {@code \n} in the output as in the input. */
    public String process(String template) {
        StringBuilder out = new StringBuilder(template.length());
        Deque<Block> open = new ArrayDeque<>();
        String[] lines = template.split("\n", -1);
        for (int i = 0; i < lines.length; i++) {
            int lineNo = i + 1;
            String line = lines[i];
            boolean newline = i < lines.length - 1;
            boolean active = open.isEmpty() || open.peek().active();
            String trimmed = line.strip();
            if (trimmed.startsWith("#")) {
                if (trimmed.startsWith("#//")) {
                    continue;
                }
                Matcher d = DIRECTIVE.matcher(trimmed);
                if (!d.matches()) {
                    throw error(lineNo, "unknown directive '" + trimmed + "' (expected #if[key], #else[key], #end[key] or #// comment)");
                }
                String cond = d.group(2) + d.group(3);
                boolean holds = holds(d.group(2), d.group(3), lineNo);
                switch (d.group(1)) {
                    case "if" -> open.push(new Block(cond, lineNo, active, holds, false));
                    case "else" -> {
                        Block b = closing("#else", cond, open, lineNo);
                        if (b.inElse()) {
                            throw error(lineNo, "second #else[" + cond + "] for the #if[" + cond + "] of line " + b.line());
                        }
                        open.pop();
                        open.push(new Block(b.cond(), b.line(), b.outerActive(), b.holds(), true));
                    }
                    default -> {
                        closing("#end", cond, open, lineNo);
                        open.pop();
                    }
                }
                continue;
            }
            if (active) {
                out.append(values(inline(line, lineNo), lineNo));
                if (newline) {
                    out.append('\n');
                }
            }
        }
        if (!open.isEmpty()) {
            Block b = open.peek();
            throw error(b.line(), "#if[" + b.cond() + "] is never closed (no #end[" + b.cond() + "])");
        }
        return out.toString();
    }

    private Block closing(String directive, String cond, Deque<Block> open, int lineNo) {
        if (open.isEmpty()) {
            throw error(lineNo, directive + "[" + cond + "] without an open #if");
        }
        Block b = open.peek();
        if (!b.cond().equals(cond)) {
            throw error(lineNo, directive + "[" + cond + "] does not match the #if[" + b.cond() + "] of line " + b.line());
        }
        return b;
    }

    private boolean holds(String not, String key, int lineNo) {
        Boolean value = conditions.get(key);
        if (value == null) {
            throw error(lineNo, "unknown condition key '" + key + "' (known: " + String.join(", ", new TreeSet<>(conditions.keySet())) + ")");
        }
        return not.isEmpty() == value;
    }

    /** Resolves the inline conditionals of one line, innermost text included. */
    private String inline(String text, int lineNo) {
        int start = text.indexOf(INLINE_START);
        if (start < 0) {
            return text;
        }
        Matcher m = INLINE_IF.matcher(text);
        if (!m.find(start) || m.start() != start) {
            throw error(lineNo, "malformed inline conditional at '" + text.substring(start).strip()
                    + "' (expected {#if[key]?text} or {#if[key]?text:other})");
        }
        boolean holds = holds(m.group(1), m.group(2), lineNo);
        int depth = 0;
        int colon = -1;
        int end = -1;
        for (int i = m.end(); i < text.length() && end < 0; i++) {
            char c = text.charAt(i);
            if (c == '{') {
                depth++;
            } else if (c == '}') {
                if (depth == 0) {
                    end = i;
                }
                depth--;
            } else if (c == ':' && depth == 0 && colon < 0) {
                colon = i;
            }
        }
        if (end < 0) {
            throw error(lineNo, "inline conditional '" + text.substring(start).strip() + "' is never closed (no '}' on its line)");
        }
        String then = text.substring(m.end(), colon < 0 ? end : colon);
        String otherwise = colon < 0 ? "" : text.substring(colon + 1, end);
        return text.substring(0, start) + inline(holds ? then : otherwise, lineNo) + inline(text.substring(end + 1), lineNo);
    }

    private String values(String text, int lineNo) {
        Matcher m = VALUE.matcher(text);
        StringBuilder sb = new StringBuilder();
        while (m.find()) {
            String value = values.get(m.group(1));
            if (value == null) {
                throw error(lineNo, "unknown key '$" + m.group(1) + "$' (known here: " + String.join(", ", new TreeSet<>(values.keySet())) + ")");
            }
            m.appendReplacement(sb, Matcher.quoteReplacement(value));
        }
        m.appendTail(sb);
        return sb.toString();
    }

    private TemplateException error(int lineNo, String message) {
        return new TemplateException(name + ":" + lineNo + ": " + message);
    }

    /** A template that names something unknown or whose blocks do not nest. */
    public static final class TemplateException extends RuntimeException {
        private static final long serialVersionUID = 1L;

        TemplateException(String message) {
            super(message);
        }
    }
}
