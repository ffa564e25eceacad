#!/usr/bin/env python3
"""Generates the sixteen unit-backed handle classes (PerCpu<Type> and PerCpu<Type>Array).

The handles are one API specialised for eight primitive types, like the JDK's X-Buffer
templates: writing them by hand would mean sixteen near-copies drifting apart. Edit the
templates here and run

    python3 runtime/gen/handles.py          # rewrite the sources
    python3 runtime/gen/handles.py --check  # exit 1 if a source differs (CI runs this)

Every generated method delegates to Units / UnitOps, where the real work lives.
"""
import os
import sys

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "src", "main", "java", "dev", "percpu", "runtime")

TYPES = [
    # T, Name, size, family
    ("boolean", "Boolean", 1, "bool"),
    ("byte", "Byte", 1, "sub"),
    ("short", "Short", 2, "sub"),
    ("char", "Char", 2, "sub"),
    ("int", "Int", 4, "word"),
    ("long", "Long", 8, "word"),
    ("float", "Float", 4, "fp"),
    ("double", "Double", 8, "fp"),
]


class Ctx:
    def __init__(self, t, name, size, family, array):
        self.t, self.name, self.size, self.family, self.array = t, name, size, family, array
        self.cls = "PerCpu" + name + ("Array" if array else "")
        self.w = 64 if size == 8 else 32
        # storage accessors in Units
        self.raw = {"boolean": "Byte", "byte": "Byte", "short": "Short", "char": "Char", "int": "Int",
                    "long": "Long", "float": "Int", "double": "Long"}[t]
        self.rawt = {"Byte": "byte", "Short": "short", "Char": "char", "Int": "int", "Long": "long"}[self.raw]

    # fragments that differ between scalar and array handles
    def ip(self):  # index parameter, leading
        return "int index, " if self.array else ""

    def ip1(self):  # index as the only parameter
        return "int index" if self.array else ""

    def off(self):
        return "elem(index)" if self.array else "offset"

    def ijd(self):  # javadoc for index
        return "     * @param index the element index\n" if self.array else ""

    def of(self):  # "element of" wording
        return "element {@code index} of " if self.array else ""

    def decode(self, expr):
        return {"boolean": f"{expr} != 0", "float": f"Float.intBitsToFloat({expr})",
                "double": f"Double.longBitsToDouble({expr})"}.get(self.t, expr)

    def encode(self, expr):
        return {"boolean": f"(byte) ({expr} ? 1 : 0)", "float": f"Float.floatToRawIntBits({expr})",
                "double": f"Double.doubleToRawLongBits({expr})"}.get(self.t, expr)


def dbg(c, off, mode):
    return f"        if (Guards.DEBUG) {{\n            Units.debugDiscipline(chunk, {off}, {c.size}, Units.{mode});\n        }}\n"


def method(doc, kernel, sig, body, c, extra_doc=""):
    k = f"\n     * <p>Kernel: {{@code {kernel}}}." if kernel else ""
    return f"""
    /**
     * {doc}{k}
{extra_doc}     */
    public {sig} {{
{body}
    }}
"""


def gen(c):
    T, ip, ip1, off = c.t, c.ip(), c.ip1(), c.off()
    ia = "index, " if c.array else ""
    ia1 = "index" if c.array else ""
    cur = "chunk.cpus.current()"
    parts = []
    rd = lambda cpu: c.decode(f"Units.get{c.raw}(chunk, {cpu}, {off})")
    # ---- reads and remote writes
    parts.append(method(f"Reads the current CPU's copy of {c.of()}the variable (acquire).", "this_cpu_read(var)",
                        f"{T} get({ip1})", f"        return {rd(cur)};", c))
    parts.append(method(f"Reads CPU {{@code cpu}}'s copy of {c.of()}the variable (acquire); any thread, any possible CPU.",
                        "per_cpu(var, cpu)", f"{T} get(int cpu{', int index' if c.array else ''})",
                        f"        return {rd('checkCpu(cpu)')};", c))
    parts.append(method(f"Stores into CPU {{@code cpu}}'s copy of {c.of()}the variable (volatile); see the class "
                        "comment for how it races with {@code this_cpu_*} updates on that CPU.",
                        "per_cpu(var, cpu) = value", f"void set(int cpu, {ip}{T} value)",
                        f"        Units.set{c.raw}(chunk, checkCpu(cpu), {off}, {c.encode('value')});", c))
    fam = c.family
    # ---- this_cpu_write
    if fam == "word":
        body = f"        chunk.ops.xchg{c.w}(chunk, {off}, value);"
    elif fam == "fp":
        body = f"        chunk.ops.xchg{c.w}(chunk, {off}, {c.encode('value')});"
    else:
        body = f"        Units.rmwSub(chunk, {off}, {c.size}, Units.OP_SET, {'value ? 1 : 0' if T == 'boolean' else 'value'});"
    parts.append(method(f"Stores into the current CPU's copy of {c.of()}the variable, atomically with respect to "
                        "other {@code this_cpu_*} updates of it.", "this_cpu_write(var, value)",
                        f"void set({ip}{T} value)", dbg(c, off, "THIS_CPU") + body, c))
    # ---- xchg / cmpxchg
    if fam == "word":
        xchg = f"        return chunk.ops.xchg{c.w}(chunk, {off}, value);"
        cx = f"chunk.ops.cmpxchg{c.w}(chunk, {off}, expected, value)"
    elif fam == "fp":
        xchg = f"        return {c.decode(f'chunk.ops.xchg{c.w}(chunk, {off}, {c.encode(chr(118)+chr(97)+chr(108)+chr(117)+chr(101))})')};"
        cx = c.decode(f"chunk.ops.cmpxchg{c.w}(chunk, {off}, {c.encode('expected')}, {c.encode('value')})")
    elif T == "boolean":
        xchg = f"        return Units.rmwSub(chunk, {off}, 1, Units.OP_SET, value ? 1 : 0) != 0;"
        cx = f"Units.cmpxchgSub(chunk, {off}, 1, expected ? 1 : 0, value ? 1 : 0) != 0"
    else:
        zx = {"byte": "expected & 0xFF", "short": "expected & 0xFFFF", "char": "expected"}[T]
        xchg = f"        return ({T}) Units.rmwSub(chunk, {off}, {c.size}, Units.OP_SET, value);"
        cx = f"({T}) Units.cmpxchgSub(chunk, {off}, {c.size}, {zx}, value)"
    parts.append(method(f"Replaces the current CPU's copy of {c.of()}the variable; returns the old value.",
                        "this_cpu_xchg(var, value)", f"{T} getAndSet({ip}{T} value)", dbg(c, off, "THIS_CPU") + xchg, c))
    cmpdoc = " Floating-point values are compared by their raw bits, as {@link java.lang.invoke.VarHandle} does." if fam == "fp" else ""
    parts.append(method(f"If the current CPU's copy of {c.of()}the variable equals {{@code expected}}, replaces it with "
                        f"{{@code value}}. Returns the value found (the witness).{cmpdoc}",
                        "this_cpu_cmpxchg(var, expected, value)", f"{T} compareAndExchange({ip}{T} expected, {T} value)",
                        dbg(c, off, "THIS_CPU") + f"        return {cx};", c))
    eq = {"float": "Float.floatToRawIntBits(witness) == Float.floatToRawIntBits(expected)",
          "double": "Double.doubleToRawLongBits(witness) == Double.doubleToRawLongBits(expected)"}.get(T, "witness == expected")
    parts.append(method(f"Like {{@link #compareAndExchange}}, returning whether the store happened.",
                        "this_cpu_try_cmpxchg(var, &expected, value)", f"boolean compareAndSet({ip}{T} expected, {T} value)",
                        f"        {T} witness = compareAndExchange({ia}expected, value);\n        return {eq};", c))
    # ---- arithmetic
    if fam in ("word", "sub", "fp"):
        op_t = "int" if fam == "sub" else T
        if fam == "word":
            addret = f"chunk.ops.add{c.w}(chunk, {off}, delta)"
            addnone = f"        chunk.ops.add{c.w}(chunk, {off}, delta);"
        elif fam == "fp":
            addret = f"Units.add{c.name}(chunk, {off}, delta)"
            addnone = f"        Units.add{c.name}(chunk, {off}, delta);"
        else:
            addret = f"({T}) (Units.rmwSub(chunk, {off}, {c.size}, Units.OP_ADD, delta) + delta)"
            addnone = f"        Units.rmwSub(chunk, {off}, {c.size}, Units.OP_ADD, delta);"
        wrap = f" The result wraps to {{@code {T}}}." if fam == "sub" else ""
        parts.append(method(f"Adds {{@code delta}} to the current CPU's copy of {c.of()}the variable.{wrap}",
                            "this_cpu_add(var, delta)", f"void add({ip}{op_t} delta)", dbg(c, off, "THIS_CPU") + addnone, c))
        parts.append(method(f"Subtracts {{@code delta}} from the current CPU's copy of {c.of()}the variable.{wrap}",
                            "this_cpu_sub(var, delta)", f"void sub({ip}{op_t} delta)", f"        add({ia}-delta);", c))
        parts.append(method(f"Adds {{@code delta}} to the current CPU's copy of {c.of()}the variable; returns the new value.",
                            "this_cpu_add_return(var, delta)", f"{T} addAndGet({ip}{op_t} delta)",
                            dbg(c, off, "THIS_CPU") + f"        return {addret};", c))
        parts.append(method(f"Subtracts {{@code delta}} from the current CPU's copy of {c.of()}the variable; returns the new value.",
                            "this_cpu_sub_return(var, delta)", f"{T} subAndGet({ip}{op_t} delta)",
                            f"        return addAndGet({ia}-delta);", c))
    if fam in ("word", "sub"):
        one = "1L" if T == "long" else "1"
        parts.append(method(f"Adds one to the current CPU's copy of {c.of()}the variable.", "this_cpu_inc(var)",
                            f"void increment({ip1})", f"        add({ia}{one});", c))
        parts.append(method(f"Subtracts one from the current CPU's copy of {c.of()}the variable.", "this_cpu_dec(var)",
                            f"void decrement({ip1})", f"        add({ia}-{one});", c))
        parts.append(method(f"Adds one to the current CPU's copy of {c.of()}the variable; returns the new value.",
                            "this_cpu_inc_return(var)", f"{T} incrementAndGet({ip1})", f"        return addAndGet({ia}{one});", c))
        parts.append(method(f"Subtracts one from the current CPU's copy of {c.of()}the variable; returns the new value.",
                            "this_cpu_dec_return(var)", f"{T} decrementAndGet({ip1})", f"        return addAndGet({ia}-{one});", c))
    # ---- bitwise
    if fam in ("word", "sub", "bool"):
        for op, word, kern in (("and", "AND", "this_cpu_and(var, mask)"), ("or", "OR", "this_cpu_or(var, mask)"),
                               ("xor", "XOR", "this_cpu_xor(var, mask)")):
            if fam == "word":
                body = f"        chunk.ops.{op}{c.w}(chunk, {off}, mask);"
                mt = T
            elif fam == "sub":
                body = f"        Units.rmwSub(chunk, {off}, {c.size}, Units.OP_{word}, mask);"
                mt = "int"
            else:
                body = f"        Units.rmwSub(chunk, {off}, 1, Units.OP_{word}, mask ? 1 : 0);"
                mt = "boolean"
            what = {"and": "ANDs", "or": "ORs", "xor": "XORs"}[op]
            parts.append(method(f"{what} {{@code mask}} into the current CPU's copy of {c.of()}the variable.", kern,
                                f"void {op}({ip}{mt} mask)", dbg(c, off, "THIS_CPU") + body, c))
    parts += raw_ops(c)
    # ---- sums and snapshots
    if fam != "bool":
        st = "double" if fam == "fp" else "long"
        sumdoc = (f"The sum of every possible CPU's copy of {c.of()}the variable, as a {{@code {st}}}. NOT an atomic "
                  "snapshot: updates made during the call may or may not be counted.")
        parts.append(method(sumdoc, "for_each_possible_cpu(cpu) sum += per_cpu(var, cpu)", f"{st} sum({ip1})",
                            f"        return Units.sum{c.name if fam == 'fp' else c.raw}(chunk, {off});", c))
    else:
        parts.append(method(f"How many possible CPUs' copies of {c.of()}the variable are {{@code true}}. Not an atomic snapshot.",
                            "", f"int count({ip1})",
                            f"        int n = 0;\n        for (int cpu : chunk.possibleCpus) {{\n            if ({rd('cpu')}) {{\n"
                            f"                n++;\n            }}\n        }}\n        return n;", c))
    parts.append(method(f"Every CPU's copy of {c.of()}the variable, indexed by CPU id (length {{@code nr_cpu_ids}}; "
                        "impossible CPUs read as zero). Not an atomic snapshot.", "",
                        f"{T}[] snapshot({ip1})",
                        f"        {T}[] values = new {T}[chunk.topology.nrCpuIds()];\n        for (int cpu : chunk.possibleCpus) {{\n"
                        f"            values[cpu] = {rd('cpu')};\n        }}\n        return values;", c))
    if c.array:
        parts.append(method("A copy of CPU {@code cpu}'s whole array. Not an atomic snapshot.", "per_cpu(var, cpu)",
                            f"{T}[] toArray(int cpu)",
                            f"        checkCpu(cpu);\n        {T}[] values = new {T}[length];\n        for (int i = 0; i < length; i++) {{\n"
                            f"            values[i] = get(cpu, i);\n        }}\n        return values;", c))
    return parts


RAW_DOC = ("<p>Only under a {@link CpuGuard}: a plain access to the held unit's copy; the guard must be open and"
           " owned by the calling thread ({@link IllegalStateException} otherwise).")


def raw_ops(c):
    T, off = c.t, c.off()
    ip = "int index, " if c.array else ""
    ia = "index, " if c.array else ""
    idx_doc = " of element {@code index}" if c.array else ""
    at = f"        long at = g.address(chunk) + {off};\n"
    rd = c.decode(f"Units.raw{c.raw}(chunk, at)")

    def wr(expr):
        return f"Units.raw{c.raw}(chunk, at, {c.encode(expr)});"

    def raw(doc, kernel, sig, body, write=True):
        pre = dbg(c, off, "RAW") if write else ""
        return method(doc, kernel, sig, pre + at + body, c, extra_doc="     * " + RAW_DOC + "\n")

    parts = [
        raw(f"Reads the guarded unit's copy{idx_doc}.", "__this_cpu_read(var) / raw_cpu_read(var)",
            f"{T} rawGet(CpuGuard g, {ip}".rstrip(", ") + ")", f"        return {rd};", write=False),
        raw(f"Writes the guarded unit's copy{idx_doc}.", "__this_cpu_write(var, value)",
            f"void rawSet(CpuGuard g, {ip}{T} value)", f"        {wr('value')}"),
        raw(f"Replaces the guarded unit's copy{idx_doc}; returns the old value.", "__this_cpu_xchg(var, value)",
            f"{T} rawGetAndSet(CpuGuard g, {ip}{T} value)", f"        {T} old = {rd};\n        {wr('value')}\n        return old;"),
    ]
    eq = {"float": "Float.floatToRawIntBits(old) == Float.floatToRawIntBits(expected)",
          "double": "Double.doubleToRawLongBits(old) == Double.doubleToRawLongBits(expected)"}.get(T, "old == expected")
    parts.append(raw(f"If the guarded unit's copy{idx_doc} equals {{@code expected}}, replaces it; returns the value found.",
                     "__this_cpu_cmpxchg(var, expected, value)", f"{T} rawCompareAndExchange(CpuGuard g, {ip}{T} expected, {T} value)",
                     f"        {T} old = {rd};\n        if ({eq}) {{\n            {wr('value')}\n        }}\n        return old;"))
    if c.family in ("word", "sub", "fp"):
        op_t = "int" if c.family == "sub" else T
        cast = f"({T}) " if c.family == "sub" else ""
        parts.append(raw(f"Adds {{@code delta}} to the guarded unit's copy{idx_doc}; returns the new value.",
                         "__this_cpu_add_return(var, delta)", f"{T} rawAddAndGet(CpuGuard g, {ip}{op_t} delta)",
                         f"        {T} v = {cast}({rd} + delta);\n        {wr('v')}\n        return v;"))
        parts.append(raw(f"Adds {{@code delta}} to the guarded unit's copy{idx_doc}.", "__this_cpu_add(var, delta)",
                         f"void rawAdd(CpuGuard g, {ip}{op_t} delta)", f"        {wr(cast + '(' + rd + ' + delta)')}"))
        parts.append(method(f"Subtracts {{@code delta}} from the guarded unit's copy{idx_doc}.", "__this_cpu_sub(var, delta)",
                            f"void rawSub(CpuGuard g, {ip}{op_t} delta)", f"        rawAdd(g, {ia}-delta);", c,
                            extra_doc="     * " + RAW_DOC + "\n"))
    if c.family in ("word", "sub"):
        one = "1L" if T == "long" else "1"
        parts.append(method(f"Adds one to the guarded unit's copy{idx_doc}.", "__this_cpu_inc(var)",
                            f"void rawIncrement(CpuGuard g{', int index' if c.array else ''})", f"        rawAdd(g, {ia}{one});", c,
                            extra_doc="     * " + RAW_DOC + "\n"))
        parts.append(method(f"Subtracts one from the guarded unit's copy{idx_doc}.", "__this_cpu_dec(var)",
                            f"void rawDecrement(CpuGuard g{', int index' if c.array else ''})", f"        rawAdd(g, {ia}-{one});", c,
                            extra_doc="     * " + RAW_DOC + "\n"))
    if c.family in ("word", "sub", "bool"):
        mt = {"word": T, "sub": "int", "bool": "boolean"}[c.family]
        cast = f"({T}) " if c.family == "sub" else ""
        for op, sym in (("and", "&"), ("or", "|"), ("xor", "^")):
            parts.append(raw(f"{op.upper()}s {{@code mask}} into the guarded unit's copy{idx_doc}.", f"__this_cpu_{op}(var, mask)",
                             f"void raw{op.capitalize()}(CpuGuard g, {ip}{mt} mask)", f"        {wr(cast + '(' + rd + ' ' + sym + ' mask)')}"))
    parts.append(view(c))
    return parts


def view(c):
    T = c.t
    numeric = c.family in ("word", "sub", "fp")
    op_t = "int" if c.family == "sub" else T
    if not c.array:
        name, kern = "CpuVar", "get_cpu_var(var) / put_cpu_var(var)"
        getter = "getCpuVar"
        methods = f"""
        /** This CPU's value ({{@code get_cpu_var(var)}} as an rvalue). */
        public {T} get() {{
            return var.rawGet(guard);
        }}

        /** Sets this CPU's value ({{@code get_cpu_var(var) = value}}). */
        public void set({T} value) {{
            var.rawSet(guard, value);
        }}
"""
        if numeric:
            methods += f"""
        /** Adds to this CPU's value ({{@code get_cpu_var(var) += delta}}). */
        public void add({op_t} delta) {{
            var.rawAdd(guard, delta);
        }}
"""
        if c.family in ("word", "sub"):
            methods += """
        /** Increments this CPU's value ({@code get_cpu_var(var)++}). */
        public void increment() {
            var.rawIncrement(guard);
        }
"""
    else:
        name, kern = "CpuPtr", "get_cpu_ptr(var) / put_cpu_ptr(var)"
        getter = "getCpuPtr"
        methods = f"""
        /** Number of elements. */
        public int length() {{
            return var.length();
        }}

        /** This CPU's element {{@code index}} ({{@code get_cpu_ptr(var)[index]}}). */
        public {T} get(int index) {{
            return var.rawGet(guard, index);
        }}

        /** Sets this CPU's element {{@code index}}. */
        public void set(int index, {T} value) {{
            var.rawSet(guard, index, value);
        }}
"""
        if numeric:
            methods += f"""
        /** Adds to this CPU's element {{@code index}}. */
        public void add(int index, {op_t} delta) {{
            var.rawAdd(guard, index, delta);
        }}
"""
        if c.family in ("word", "sub"):
            methods += """
        /** Increments this CPU's element {@code index}. */
        public void increment(int index) {
            var.rawIncrement(guard, index);
        }
"""
    return f"""
    /**
     * {{@code {kern.split(' / ')[0]}}}: takes a {{@link CpuGuard}} and returns a view of the guarded
     * unit's copy of this variable, to be closed ({{@code {kern.split(' / ')[1]}}}) by
     * try-with-resources. The view is valid until then, on the calling thread only.
     */
    public {name} {getter}() {{
        return new {name}(this, CpuGuard.get());
    }}

    /**
     * The guarded view returned by {{@link #{getter}()}}: one CPU's copy under a {{@link CpuGuard}},
     * accessed with plain loads and stores.
     */
    public static final class {name} implements AutoCloseable {{
        private final {c.cls} var;
        private final CpuGuard guard;

        {name}({c.cls} var, CpuGuard guard) {{
            this.var = var;
            this.guard = guard;
        }}

        /** The CPU whose copy this is. */
        public int cpu() {{
            return guard.cpu();
        }}

        /** The guard held by this view. */
        public CpuGuard guard() {{
            return guard;
        }}
{methods}
        /** {{@code {kern.split(' / ')[1]}}}: closes the guard. */
        @Override
        public void close() {{
            guard.close();
        }}
    }}
"""


def source(c):
    parts = gen(c)
    kind = f"{c.t}[length]" if c.array else c.t
    decl = f"@PerCpu(length = N) static {c.t}[] x;" if c.array else f"@PerCpu static {c.t} x;"
    extra_fields = "\n    private final int length;\n" if c.array else ""
    ctor_extra = "\n        this.length = length;" if c.array else ""
    ctor_params = ", int length" if c.array else ""
    super_name = "name"
    head = f"""package dev.percpu.runtime;
{'' if not c.array else chr(10) + 'import java.util.Objects;' + chr(10)}
// GENERATED by runtime/gen/handles.py from one template for all primitive types: edit the
// template and rerun it, do not edit this file by hand.

/**
 * Handle to a per-CPU {{@code {kind}}}: {{@code {decl}}} ({{@code DEFINE_PER_CPU({c.t}{'[N]' if c.array else ''}, x)}}).
 *
 * <p>Methods without a CPU argument are the kernel's {{@code this_cpu_*}} operations on the
 * current CPU's copy; methods with one are {{@code per_cpu(var, cpu)}}. The concurrency contract
 * and memory semantics are those of {{@link PerCpuVar}}: no {{@code this_cpu_*}} update is ever
 * lost, hot-path methods allocate nothing, and {{@code sum}}/{{@code snapshot}} are not atomic
 * snapshots.{(chr(10) + ' *' + chr(10) + ' * <p>Indexes are checked: an index outside {@code [0, length())} is an' + chr(10) + ' * {@link IndexOutOfBoundsException}; a CPU id that is not possible is an' + chr(10) + ' * {@link IllegalArgumentException}.') if c.array else ''}
 */
public final class {c.cls} extends PerCpuVar {{
{extra_fields}
    {c.cls}(Chunk chunk, long offset{ctor_params}) {{
        super(chunk, offset);{ctor_extra}
    }}
"""
    tail = ""
    if c.array:
        tail += f"""
    /** Number of elements. */
    public int length() {{
        return length;
    }}

    @Override
    public long byteSize() {{
        return (long) length * {c.size};
    }}

    private long elem(int index) {{
        return offset + (long) Objects.checkIndex(index, length) * {c.size};
    }}
}}
"""
    else:
        tail += f"""
    @Override
    public long byteSize() {{
        return {c.size};
    }}
}}
"""
    return head + "".join(parts) + tail


def main():
    check = "--check" in sys.argv
    stale = []
    for t, name, size, fam in TYPES:
        for array in (False, True):
            c = Ctx(t, name, size, fam, array)
            path = os.path.join(OUT, c.cls + ".java")
            text = source(c)
            old = open(path).read() if os.path.exists(path) else None
            if old != text:
                stale.append(path)
                if not check:
                    with open(path, "w") as f:
                        f.write(text)
    if check and stale:
        print("stale generated handles (run python3 runtime/gen/handles.py):\n  " + "\n  ".join(stale))
        sys.exit(1)


if __name__ == "__main__":
    main()
