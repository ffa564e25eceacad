package dev.percpu.fuzz;

import dev.percpu.fuzz.Program.Category;
import dev.percpu.fuzz.Program.Expected;
import dev.percpu.fuzz.Program.Kind;
import dev.percpu.fuzz.Program.SourceFile;
import dev.percpu.fuzz.Program.Var;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.TreeSet;

/*
 * The generator. One seed gives one program, always the same (a SplittableRandom seeded with it, and
 * nothing else random: no hash iteration order, no clock). A program is a handful of packages with:
 *
 *  - constant classes: Consts (referenced by simple name, by qualified name through its package, by
 *    single static import), Wild (static import on demand), Base (a superclass whose public and
 *    protected constants the holders inherit) and Iface (an interface whose constants they inherit);
 *  - one to three top-level holders (class, final class, enum or record; public or not), some with a
 *    nested holder (a member class, enum or record) one or two levels down, named from pools of odd
 *    names: unicode, '$', '_', java.lang types, runtime types, package names, the holder's own name;
 *  - fields of every kind: the eight primitives, primitive arrays ({...}, new T[] {...}, new T[n}, none),
 *    references (constructors, factories, generic types, subtypes, user classes), in every section;
 *  - initial values that are constant expressions: every literal form (hex, octal, binary, underscores,
 *    char escapes, hex floats), MIN/MAX, NaN, -0.0, infinities, casts, shifts, ternaries, arithmetic,
 *    comparisons, and names of constants reached in all the ways above;
 *  - options: -Apercpu.pageSize, cacheLine, sectionName.
 *
 * Every expression is valid Java, assignable to its field and free of lint warnings (no redundant cast,
 * no integral division by a literal zero), and no name it uses is obscured or shadowed where it is used:
 * names the program declares (types, fields) are never used as the first identifier of an expression,
 * because Java would resolve them to the user's declaration. The values are never computed here: Java's
 * own evaluation, read reflectively from the compiled holder, is the ground truth (Oracle).
 *
 * An invalid program is a valid one plus exactly one known violation (one rule of README "Rules", one
 * tag of the processor's Message catalogue) at a known line; every declaration is on one line, so the
 * line of a field is the line of its annotation values too.
 *
 * Categories: features that trigger the known bugs of issue #13 are drawn only when their category is
 * included (Program.Category); with BASE alone the program is built from what works today.
 */
final class ProgramGenerator {

    /** A primitive type, with its keyword. */
    enum P {
        BOOLEAN, BYTE, SHORT, CHAR, INT, LONG, FLOAT, DOUBLE;

        final String kw = name().toLowerCase(java.util.Locale.ROOT);

        boolean integral() {
            return this == BYTE || this == SHORT || this == CHAR || this == INT || this == LONG;
        }

        boolean numeric() {
            return this != BOOLEAN;
        }

        /** Whether a value of this type is assignable to {@code to} without a cast (JLS 5.2, not counting
         *  the narrowing of constants, which depends on the value). */
        boolean widensTo(P to) {
            if (this == to) {
                return true;
            }
            return switch (this) {
                case BYTE -> to == SHORT || to == INT || to == LONG || to == FLOAT || to == DOUBLE;
                case SHORT, CHAR -> to == INT || to == LONG || to == FLOAT || to == DOUBLE;
                case INT -> to == LONG || to == FLOAT || to == DOUBLE;
                case LONG -> to == FLOAT || to == DOUBLE;
                case FLOAT -> to == DOUBLE;
                default -> false;
            };
        }

        String box() {
            return switch (this) {
                case INT -> "Integer";
                case CHAR -> "Character";
                default -> kw.substring(0, 1).toUpperCase(java.util.Locale.ROOT) + kw.substring(1);
            };
        }
    }

    private static final P[] PRIMS = P.values();
    private static final P[] NUMERIC = {P.BYTE, P.SHORT, P.CHAR, P.INT, P.LONG, P.FLOAT, P.DOUBLE};
    private static final P[] INTEGRAL = {P.BYTE, P.SHORT, P.CHAR, P.INT, P.LONG};

    private static final String[] PACKAGES = {"p", "q.r", "a.b.c", "app", "runtime", "percpu", "spi", "x$y", "_a.b_",
        "ünï.cødé", "generated", "java_", "javax_", "lang"};
    /** Top-level holder names. Never {@code PerCpu}, {@code Section} (the imports of every holder's file),
     *  {@code Consts}, {@code Wild}, {@code Base}, {@code Iface} (the constant classes). */
    private static final String[] HOLDERS = {"H", "Stats", "Integer", "String", "Object", "Long", "Math", "PerCpuLong",
        "PerCpuRef", "PlacedSection", "StaticSection", "Generated", "Supplier", "Hé", "Δ", "$H", "H$", "_H", "A_B",
        "PerCpuSection", "Holder_PerCpu", "System", "Override", "runtime", "dev"};

    /** Simple names of the types an accessor names for itself in {@code dev.percpu...} (runtime and SPI). */
    private static final Set<String> GENERATED_TYPES = Set.of("PlacedSection", "PerCpuRef", "PerCpuBoolean",
            "PerCpuByte", "PerCpuShort", "PerCpuChar", "PerCpuInt", "PerCpuLong", "PerCpuFloat", "PerCpuDouble",
            "PerCpuBooleanArray", "PerCpuByteArray", "PerCpuShortArray", "PerCpuCharArray", "PerCpuIntArray",
            "PerCpuLongArray", "PerCpuFloatArray", "PerCpuDoubleArray");
    private static final String[] NESTED = {"N", "Inner", "Integer", "PerCpuInt", "PlacedSection", "$", "Ñ", "Long",
        "Stats", "Generated", "Override"};
    private static final String[] FIELDS = {"x", "count", "é", "ñame", "$", "$x", "x$", "__", "_x", "Integer", "String",
        "PlacedSection", "PerCpuLong", "PerCpuRef", "section", "$section", "$section$", "LAYOUT_HASH", "get", "java",
        "javax", "percpu", "runtime", "Generated", "Supplier", "value", "length", "of", "INSTANCE", "Δt", "\uD835\uDC65",
        "longVar", "intArray", "ref", "Override", "Object", "System", "p", "q", "a", "app", "lang", "H"};
    private static final String[] SUPPLY_CLASSES = {"Box", "PerCpuRef", "Supplier", "PlacedSection", "Generated", "Cell",
        "Object", "Override"};
    private static final String[] FACTORIES = {"mk", "$new", "é", "get", "create", "PerCpuRef", "of", "supply"};

    private final long seed;
    private final SplittableRandom r;
    private final Set<Category> include;
    private final Set<Category> used = EnumSet.of(Category.BASE);

    private final List<SourceFile> files = new ArrayList<>();
    private final List<Var> vars = new ArrayList<>();
    private final List<Expected> expected = new ArrayList<>();
    private final List<String> options = new ArrayList<>();
    private String encoding = "UTF-8";

    /** Every simple type name the program declares: never the first identifier of a generated expression. */
    private final Set<String> typeNames = new HashSet<>();
    private final List<String> packages = new ArrayList<>();

    /** The constant classes: name -> type. */
    private final Map<String, P> consts = new LinkedHashMap<>();
    private final Map<String, P> wild = new LinkedHashMap<>();
    private final Map<String, P> base = new LinkedHashMap<>();
    private final Map<String, P> iface = new LinkedHashMap<>();
    private String constsPkg;
    private String wildPkg;
    private String basePkg;
    private String ifacePkg;

    private ProgramGenerator(long seed, Set<Category> include) {
        this.seed = seed;
        this.r = new SplittableRandom(seed);
        this.include = include;
    }

    /** The program of {@code seed}, drawing only from the {@code include}d categories. */
    static Program generate(long seed, Set<Category> include) {
        return new ProgramGenerator(seed, include).build();
    }

    private boolean on(Category c) {
        return include.contains(c);
    }

    private <T> T pick(T[] a) {
        return a[r.nextInt(a.length)];
    }

    private boolean chance(int percent) {
        return r.nextInt(100) < percent;
    }

    // ---- the program ---------------------------------------------------------------------------------

    /** The scope of one holder: the names an initializer may use there, and those it must not. */
    private final class Scope {
        final String pkg;
        final Set<String> avoid = new HashSet<>();
        final boolean extendsBase;
        final boolean implementsIface;
        final List<String> singleImports = new ArrayList<>();
        boolean wildImport;
        boolean importsConsts;
        boolean constantClass;

        Scope(String pkg, boolean extendsBase, boolean implementsIface) {
            this.pkg = pkg;
            this.extendsBase = extendsBase;
            this.implementsIface = implementsIface;
            avoid.addAll(typeNames);
        }

        /** Whether {@code name} can start an expression here without being resolved to something of the user's. */
        boolean free(String name) {
            return !avoid.contains(name);
        }

        /** A qualified reference to a class in {@code pkg}, if the package's first identifier is free here. */
        String qualified(String cpkg, String cls) {
            return free(cpkg.split("\\.")[0]) ? cpkg + "." + cls : null;
        }
    }

    private Program build() {
        int npk = 1 + r.nextInt(3);
        while (packages.size() < npk) {
            String p = pick(PACKAGES);
            if (!packages.contains(p)) {
                packages.add(p);
            }
        }
        for (String p : packages) {
            typeNames.add(p.split("\\.")[0]); // never a type's simple name, but a package is obscured likewise
        }
        // the first identifiers of packages are not types; they stay free unless a field or type takes them
        typeNames.removeAll(packages.stream().map(p -> p.split("\\.")[0]).toList());
        // Consts, Wild, Base, Iface, PerCpu and Section are never the name of a user's type or field

        constsPkg = pick(packages.toArray(String[]::new));
        wildPkg = pick(packages.toArray(String[]::new));
        basePkg = pick(packages.toArray(String[]::new));
        ifacePkg = pick(packages.toArray(String[]::new));

        // holders are named first, so that every expression knows every user type name
        int nh = 1 + r.nextInt(3);
        List<String[]> holders = new ArrayList<>(); // {pkg, name}
        Set<String> taken = new HashSet<>();
        // holders may also live in the unnamed package (which no other package can import from)
        List<String> holderPackages = new ArrayList<>(packages);
        if (chance(10)) {
            holderPackages.add("");
        }
        while (holders.size() < nh) {
            String pkg = pick(holderPackages.toArray(String[]::new));
            String name = pick(HOLDERS);
            if (name.equals("dev")) {
                // a class named dev obscures the package dev in the accessors of its package (found by this fuzzer)
                if (!on(Category.CODEGEN)) {
                    continue;
                }
                used.add(Category.CODEGEN);
            }
            boolean unnamedClash = name.equals("dev")
                    ? taken.stream().anyMatch(t -> t.startsWith(".") && GENERATED_TYPES.contains(t.substring(1)))
                    : GENERATED_TYPES.contains(name) && taken.contains(".dev");
            if (pkg.isEmpty() && unnamedClash) {
                // a class of the unnamed package has only its simple name, and a class dev obscures the
                // qualified dev.percpu... name the accessor then needs: [PerCpuUnnamedPackageNames] when
                // the holder has a factory, so never drawn together
                continue;
            }
            if (taken.add(pkg + "." + name) && !name.equals(pkg.substring(pkg.lastIndexOf('.') + 1))) {
                holders.add(new String[] {pkg, name});
                typeNames.add(name);
            }
        }
        typeNames.addAll(List.of(NESTED));
        if (on(Category.CODEGEN) && chance(10)) {
            // a class named like the first identifier of a package the generated code qualifies names with
            // obscures that package in its own package (found by this fuzzer: dev.percpu.runtime.PerCpuInt)
            used.add(Category.CODEGEN);
            String pkg = pick(packages.toArray(String[]::new));
            String cls = pick(new String[] {"dev", "javax"});
            if (!taken.contains(pkg + "." + cls)) {
                add(pkg, cls, List.of("package " + pkg + ";", "", "final class " + cls + " { }"));
                typeNames.add(cls);
            }
        }

        constantClass("Consts", constsPkg, consts, "C", "public final class Consts {", "public static final ");
        constantClass("Wild", wildPkg, wild, "W", "public final class Wild {", "public static final ");
        constantClass("Base", basePkg, base, "B", "public class Base {", null);
        constantClass("Iface", ifacePkg, iface, "F", "public interface Iface {", "");

        options();
        if (on(Category.CODEGEN) && chance(15)) {
            // issue #13 item 2: non-ASCII names written as unicode escapes in a pure-ASCII source
            used.add(Category.CODEGEN);
            encoding = "US-ASCII";
        }

        int invalidAt = chance(40) && expected.isEmpty() ? r.nextInt(nh) : -1;
        for (int i = 0; i < nh; i++) {
            holderFile(holders.get(i)[0], holders.get(i)[1], i == invalidAt);
        }
        if (on(Category.ROUNDS) && expected.isEmpty() && chance(25)) {
            laterRounds();
        }
        return new Program(seed, List.copyOf(files), List.copyOf(options), encoding, List.copyOf(vars),
                List.copyOf(expected), Set.copyOf(used));
    }

    /**
     * Issue #13 item 6 (category {@code ROUNDS}): a holder {@code LateHolder} whose initializers name
     * a constant of {@code LateConsts} and whose reference field has the type {@code LateType}, both
     * generated in the first round by the second processor {@link LaterRounds}: the holder must wait
     * for the second round and then hold Java's values. Only in valid programs.
     */
    private void laterRounds() {
        // the Filer writes the later files in the program's encoding, which may be US-ASCII
        String[] ascii = packages.stream().filter(q -> q.chars().allMatch(c -> c < 128)).toArray(String[]::new);
        if (ascii.length == 0) {
            return;
        }
        used.add(Category.ROUNDS);
        String pkg = pick(ascii);
        int k = r.nextInt(2001) - 1000;
        long second = r.nextLong();
        String prefix = pkg.replace('.', '/') + "/";
        files.add(new SourceFile(Oracle.LATER + prefix + "LateConsts.java", "package " + pkg + ";\n\n"
                + "public final class LateConsts {\n    public static final int K = " + k + ";\n\n"
                + "    private LateConsts() {\n    }\n}\n"));
        files.add(new SourceFile(Oracle.LATER + prefix + "LateType.java", "package " + pkg + ";\n\n"
                + "public final class LateType {\n    public LateType() {\n    }\n}\n"));
        add(pkg, "LateHolder", List.of("package " + pkg + ";", "", "import dev.percpu.PerCpu;", "",
                "public class LateHolder {",
                "    @PerCpu static int k = LateConsts.K + 1;",
                "    @PerCpu(length = 3) static long[] pair = {LateConsts.K, " + second + "L};",
                "    @PerCpu static LateType t;",
                "}"));
        String holder = pkg + ".LateHolder";
        vars.add(new Var(holder, holder + "_PerCpu", "k", Kind.PRIMITIVE, 0, null));
        vars.add(new Var(holder, holder + "_PerCpu", "pair", Kind.ARRAY, 3, null));
        vars.add(new Var(holder, holder + "_PerCpu", "t", Kind.REFERENCE, 0, pkg + ".LateType"));
    }

    private void options() {
        if (chance(25)) {
            options.add("-Apercpu.cacheLine=" + pick(new int[] {8, 16, 32, 64, 128, 256}));
        }
        if (chance(25)) {
            int page = pick(new int[] {256, 512, 1024, 2048, 4096, 65536});
            options.add("-Apercpu.pageSize=" + page);
            options.removeIf(o -> o.startsWith("-Apercpu.cacheLine=") && Integer.parseInt(o.substring(19)) > page);
        }
        if (chance(20)) {
            options.add("-Apercpu.sectionName=" + pick(packages.toArray(String[]::new)) + "."
                    + pick(new String[] {"FuzzSection", "$Section", "Sectioné", "Section_1"}));
        }
        if (on(Category.LIMITS) && chance(10)) {
            used.add(Category.LIMITS);
            String bad = pick(new String[] {"-Apercpu.pageSize=4194304", "-Apercpu.pageSize=1073741824",
                "-Apercpu.cacheLine=", "-Apercpu.sectionName=java.lang.X", "-Apercpu.pageSize="});
            options.removeIf(o -> o.startsWith(bad.substring(0, bad.indexOf('='))));
            options.add(bad);
            expected.add(new Expected(ANY_PERCPU, null, -1));
        }
        if (chance(3) && expected.isEmpty()) {
            String bad = pick(new String[] {"-Apercpu.cacheLine=3", "-Apercpu.pageSize=abc", "-Apercpu.pageSize=4",
                "-Apercpu.sectionName=NoPackage"});
            options.removeIf(o -> o.startsWith(bad.substring(0, bad.indexOf('='))));
            options.add(bad);
            expected.add(new Expected("PerCpuBadOption", null, -1));
        }
    }

    private int pick(int[] a) {
        return a[r.nextInt(a.length)];
    }

    /** Any percpu-tagged error but {@code PerCpuInternalError}, anywhere: for limits whose tag is not settled. */
    static final String ANY_PERCPU = "any";

    /** A class of constants; {@code modifiers} null means a random public/protected mix (Base). */
    private void constantClass(String name, String pkg, Map<String, P> into, String prefix, String header,
            String modifiers) {
        List<String> lines = new ArrayList<>();
        lines.add("package " + pkg + ";");
        lines.add("");
        lines.add(header);
        Scope scope = new Scope(pkg, false, false);
        scope.constantClass = true;
        int n = 2 + r.nextInt(6);
        Map<String, P> local = new LinkedHashMap<>();
        for (int i = 0; i < n; i++) {
            P t = pick(PRIMS);
            String cname = prefix + i;
            String mods = modifiers != null ? modifiers : (chance(50) ? "public static final " : "protected static final ");
            String value = assignable(t, scope, local, 2);
            lines.add("    " + mods + t.kw + " " + cname + " = " + value + ";");
            local.put(cname, t);
        }
        lines.add("}");
        into.putAll(local);
        add(pkg, name, lines);
    }

    /** An expression assignable to {@code to}: one of a random type, cast when it does not widen. */
    private String assignable(P to, Scope scope, Map<String, P> sameClass, int depth) {
        if (to == P.BOOLEAN) {
            return expr(P.BOOLEAN, scope, sameClass, depth);
        }
        P from = chance(50) ? to : pick(NUMERIC);
        String e = expr(from, scope, sameClass, depth);
        return from.widensTo(to) ? e : "(" + to.kw + ") " + paren(e);
    }

    private static String paren(String e) {
        return "(" + e + ")";
    }

    // ---- expressions -----------------------------------------------------------------------------------

    /** A constant expression of exactly type {@code t}. */
    private String expr(P t, Scope scope, Map<String, P> sameClass, int depth) {
        int roll = r.nextInt(100);
        if (depth <= 0 || roll < 30) {
            return leaf(t, scope, sameClass);
        }
        if (roll < 45 && t.numeric()) {
            P from = pick(NUMERIC);
            if (from != t) {
                return "((" + t.kw + ") " + paren(expr(from, scope, sameClass, depth - 1)) + ")";
            }
        }
        if (roll < 55) {
            return "(" + expr(P.BOOLEAN, scope, sameClass, depth - 1) + " ? " + expr(t, scope, sameClass, depth - 1)
                    + " : " + expr(t, scope, sameClass, depth - 1) + ")";
        }
        switch (t) {
            case BOOLEAN -> {
                int k = r.nextInt(5);
                if (k == 0) {
                    return "(!" + paren(expr(P.BOOLEAN, scope, sameClass, depth - 1)) + ")";
                }
                if (k == 1) {
                    String op = pick(new String[] {"&&", "||", "&", "|", "^", "==", "!="});
                    return "(" + expr(P.BOOLEAN, scope, sameClass, depth - 1) + " " + op + " "
                            + expr(P.BOOLEAN, scope, sameClass, depth - 1) + ")";
                }
                P a = pick(NUMERIC);
                P b = chance(50) ? a : pick(NUMERIC);
                String op = pick(new String[] {"<", "<=", ">", ">=", "==", "!="});
                return "(" + expr(a, scope, sameClass, depth - 1) + " " + op + " " + expr(b, scope, sameClass, depth - 1)
                        + ")";
            }
            case INT, LONG, FLOAT, DOUBLE -> {
                if (chance(15)) {
                    String op = t.integral() ? pick(new String[] {"-", "~", "+"}) : pick(new String[] {"-", "+"});
                    return "(" + op + paren(expr(t, scope, sameClass, depth - 1)) + ")";
                }
                // one operand of type t, the other of a type that promotes to t with it
                P other = t == P.INT ? pick(new P[] {P.BYTE, P.SHORT, P.CHAR, P.INT})
                        : t == P.LONG ? pick(INTEGRAL)
                        : t == P.FLOAT ? pick(new P[] {P.BYTE, P.SHORT, P.CHAR, P.INT, P.LONG, P.FLOAT})
                        : pick(NUMERIC);
                if (t.integral() && chance(25)) {
                    String op = pick(new String[] {"<<", ">>", ">>>"});
                    // javac 25 does not fold long >>> long (JLS 15.29 says it is constant): a constant variable
                    // so initialized is no constant variable to javac, nor then to the processor, which asks javac
                    P distance = t == P.LONG && op.equals(">>>") && scope != null && scope.constantClass
                            ? pick(new P[] {P.BYTE, P.SHORT, P.CHAR, P.INT}) : pick(INTEGRAL);
                    return "(" + expr(t, scope, sameClass, depth - 1) + " " + op + " " + expr(distance, scope,
                            sameClass, depth - 1) + ")";
                }
                String[] ops = t.integral() ? new String[] {"+", "-", "*", "/", "%", "&", "|", "^"}
                        : new String[] {"+", "-", "*", "/", "%"};
                String op = pick(ops);
                String left = expr(t, scope, sameClass, depth - 1);
                String right;
                if ((op.equals("/") || op.equals("%")) && t.integral()) {
                    right = pick(new String[] {"1", "2", "3", "7", "(-1)", "10", "255", "0x10", "3L", "(-7L)"});
                    if (t == P.INT && right.contains("L")) {
                        right = "3";
                    }
                } else {
                    right = expr(other, scope, sameClass, depth - 1);
                }
                return chance(50) || op.equals("/") || op.equals("%") ? "(" + left + " " + op + " " + right + ")"
                        : "(" + right + " " + op + " " + left + ")";
            }
            default -> {
                return leaf(t, scope, sameClass);
            }
        }
    }

    /** A literal or a name of a constant, of exactly type {@code t}. */
    private String leaf(P t, Scope scope, Map<String, P> sameClass) {
        if (chance(45)) {
            String name = name(t, scope, sameClass);
            if (name != null) {
                return name;
            }
        }
        return literal(t);
    }

    private String name(P t, Scope scope, Map<String, P> sameClass) {
        List<String> options = new ArrayList<>();
        sameClass.forEach((n, type) -> {
            if (type == t) {
                options.add(n);
            }
        });
        if (scope != null && !scope.constantClass) {
            consts.forEach((n, type) -> {
                if (type == t) {
                    if (scope.free("Consts")) {
                        scope.importsConsts |= !scope.pkg.equals(constsPkg);
                        options.add("Consts." + n);
                    }
                    String q = scope.qualified(constsPkg, "Consts");
                    if (q != null) {
                        options.add(q + "." + n);
                    }
                    if (scope.free(n)) {
                        if (!scope.singleImports.contains(n)) {
                            scope.singleImports.add(n);
                        }
                        options.add(n);
                    }
                }
            });
            wild.forEach((n, type) -> {
                if (type == t && scope.free(n)) {
                    scope.wildImport = true;
                    options.add(n);
                }
            });
            if (scope.extendsBase) {
                base.forEach((n, type) -> {
                    if (type == t && scope.free(n)) {
                        options.add(n);
                        if (scope.free("Base")) {
                            options.add("Base." + n);
                        }
                    }
                });
            }
            if (scope.implementsIface) {
                iface.forEach((n, type) -> {
                    if (type == t && scope.free(n)) {
                        options.add(n);
                    }
                });
            }
        }
        String box = t.box();
        String[] members = switch (t) {
            case BOOLEAN -> new String[0];
            case FLOAT, DOUBLE -> new String[] {"MAX_VALUE", "MIN_VALUE", "NaN", "POSITIVE_INFINITY",
                "NEGATIVE_INFINITY", "MIN_NORMAL"};
            default -> new String[] {"MAX_VALUE", "MIN_VALUE"};
        };
        for (String m : members) {
            if (scope == null || scope.free(box)) {
                options.add(box + "." + m);
            }
            if (scope == null || scope.free("java")) {
                options.add("java.lang." + box + "." + m);
            }
        }
        if (t == P.DOUBLE && (scope == null || scope.free("Math"))) {
            options.add("Math.PI");
            options.add("Math.E");
        }
        if (t == P.INT && (scope == null || scope.free("Byte"))) {
            options.add("Byte.SIZE");
        }
        return options.isEmpty() ? null : options.get(r.nextInt(options.size()));
    }

    private String literal(P t) {
        return switch (t) {
            case BOOLEAN -> chance(50) ? "true" : "false";
            case BYTE -> "((byte) " + pick(new String[] {"127", "(-128)", "0x80", "0xff", "1", "0", "(-1)", "200"}) + ")";
            case SHORT -> "((short) " + pick(new String[] {"32767", "(-32768)", "0x8000", "0xffff", "70000", "1"}) + ")";
            case CHAR -> charLiteral();
            case INT -> intLiteral();
            case LONG -> longLiteral();
            case FLOAT -> floatLiteral();
            case DOUBLE -> doubleLiteral();
        };
    }

    private String charLiteral() {
        switch (r.nextInt(4)) {
            case 0:
                return pick(new String[] {"'a'", "'\\n'", "'\\t'", "'\\''", "'\\\\'", "'\\0'", "'\\377'", "'\\u0041'",
                    "'\\uffff'", "'é'", "'\\b'", "'\\f'", "'\\r'", "'\\s'", "'\"'", "'\\\"'", "'\\7'", "'\\u0000'",
                    "'\\uD800'", "'Ω'"});
            case 1: {
                int c;
                do {
                    c = r.nextInt(0x10000);
                } while (c == 0x0a || c == 0x0d || c == 0x27 || c == 0x5c);
                return String.format("'\\u%04x'", c);
            }
            case 2: {
                char c = (char) (0x20 + r.nextInt(0x5f));
                if (c == '\'' || c == '\\') {
                    return "'\\" + c + "'";
                }
                return "'" + c + "'";
            }
            default:
                return "'\\" + Integer.toOctalString(r.nextInt(256)) + "'";
        }
    }

    private String intLiteral() {
        int v = r.nextInt(8) == 0 ? r.nextInt() : r.nextInt(5) == 0 ? r.nextInt(-300, 300) : pick(new int[] {0, 1, -1,
            Integer.MAX_VALUE, Integer.MIN_VALUE, 0x7fff_ffff, 0x8000_0000, 255, 65535, 1 << 30, 31, 32, 63, 64});
        return switch (r.nextInt(6)) {
            case 0 -> "0x" + Integer.toHexString(v);
            case 1 -> "0" + Integer.toOctalString(v);
            case 2 -> "0b" + Integer.toBinaryString(v);
            case 3 -> v < 0 ? "(" + underscores(Long.toString(v)) + ")" : underscores(Integer.toString(v));
            case 4 -> "0X" + Integer.toHexString(v).toUpperCase(java.util.Locale.ROOT);
            default -> v < 0 ? "(" + v + ")" : Integer.toString(v);
        };
    }

    private String underscores(String digits) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < digits.length(); i++) {
            char c = digits.charAt(i);
            sb.append(c);
            if (Character.isDigit(c) && i + 1 < digits.length() && Character.isDigit(digits.charAt(i + 1)) && chance(30)) {
                sb.append(chance(20) ? "__" : "_");
            }
        }
        return sb.toString();
    }

    private String longLiteral() {
        long v = r.nextInt(4) == 0 ? r.nextLong() : pickLong(new long[] {0, 1, -1, Long.MAX_VALUE, Long.MIN_VALUE,
            1L << 32, 0xffff_ffffL, Integer.MIN_VALUE, 1L << 62, 4096});
        String s = switch (r.nextInt(5)) {
            case 0 -> "0x" + Long.toHexString(v);
            case 1 -> "0" + Long.toOctalString(v);
            case 2 -> "0b" + Long.toBinaryString(v);
            case 3 -> underscores(Long.toString(v));
            default -> Long.toString(v);
        };
        s += chance(50) ? "L" : "l";
        return s.startsWith("-") ? "(" + s + ")" : s;
    }

    private long pickLong(long[] a) {
        return a[r.nextInt(a.length)];
    }

    private String floatLiteral() {
        float v = switch (r.nextInt(4)) {
            case 0 -> Float.intBitsToFloat(r.nextInt());
            case 1 -> (float) r.nextDouble(-1e6, 1e6);
            default -> pickFloat(new float[] {0f, -0f, 1f, -1f, Float.MAX_VALUE, Float.MIN_VALUE, Float.MIN_NORMAL,
                0.1f, 1e-40f, 16777217f, 3.4e38f});
        };
        if (Float.isNaN(v) || Float.isInfinite(v)) {
            return pick(new String[] {"(0.0f / 0.0f)", "(1f / 0f)", "(-1F / 0F)", "(0f * (1f / 0f))"});
        }
        String s = chance(30) ? Float.toHexString(Math.abs(v)) : Float.toString(Math.abs(v));
        s += chance(50) ? "f" : "F";
        return v < 0 || (v == 0 && 1 / v < 0) ? "(-" + s + ")" : s;
    }

    private float pickFloat(float[] a) {
        return a[r.nextInt(a.length)];
    }

    private String doubleLiteral() {
        double v = switch (r.nextInt(4)) {
            case 0 -> Double.longBitsToDouble(r.nextLong());
            case 1 -> r.nextDouble(-1e9, 1e9);
            default -> pickDouble(new double[] {0d, -0d, 1d, Double.MAX_VALUE, Double.MIN_VALUE, Double.MIN_NORMAL, 0.1,
                1e-310, 9007199254740993d, 1e308});
        };
        if (Double.isNaN(v) || Double.isInfinite(v)) {
            return pick(new String[] {"(0.0 / 0.0)", "(1d / 0d)", "(-1D / 0)", "(1e308 * 10)"});
        }
        String s = chance(30) ? Double.toHexString(Math.abs(v)) : Double.toString(Math.abs(v));
        s += pick(new String[] {"", "d", "D"});
        return v < 0 || (v == 0 && 1 / v < 0) ? "(-" + s + ")" : s;
    }

    private double pickDouble(double[] a) {
        return a[r.nextInt(a.length)];
    }

    // ---- holders -------------------------------------------------------------------------------------

    /** The lines of one file being written, and its path. */
    private static final class Lines {
        final List<String> text = new ArrayList<>();
        final String path;

        Lines(String path) {
            this.path = path;
        }

        /** Adds a line; returns its number (1-based). */
        int add(String line) {
            text.add(line);
            return text.size();
        }
    }

    private String path(String pkg, String name) {
        return (pkg.isEmpty() ? "" : pkg.replace('.', '/') + "/") + name + ".java";
    }

    private void add(String pkg, String name, List<String> lines) {
        files.add(new SourceFile(path(pkg, name), String.join("\n", lines) + "\n"));
    }

    private void holderFile(String pkg, String name, boolean invalid) {
        String kind = pick(new String[] {"class", "class", "final class", "enum", "record"});
        // issue #13 item 1: names that Java resolves past an inaccessible or uninherited declaration (names)
        boolean trap = on(Category.NAMES) && kind.endsWith("class") && chance(30);
        boolean extendsBase = !trap && kind.endsWith("class") && chance(40);
        boolean implementsIface = chance(30);
        Lines out = new Lines(path(pkg, name));
        Scope scope = new Scope(pkg, extendsBase, implementsIface);
        // the body first (it decides the imports), then the header lines are put in front
        List<FieldDecl> body = new ArrayList<>();
        Set<String> fieldNames = new TreeSet<>();
        String visibility = chance(60) ? "public " : "";
        String typeParameters = kind.equals("enum") || !chance(15) ? ""
                : pick(new String[] {"<T>", "<T extends java.lang.Comparable<T>>", "<K, V>", "<$>"});
        String header = visibility + kind + " " + name + typeParameters
                + (kind.equals("record") ? "(int rc$)" : "")
                + (extendsBase ? " extends Base" : "")
                + (trap ? " extends trapq.Trap" : "")
                + (implementsIface ? " implements Iface" : "")
                + " {";
        // the names in every scope inside this file: fields of the holder and of its nested holders
        List<String> nestedNames = new ArrayList<>();
        int depth = chance(35) ? 1 + (chance(30) ? 1 : 0) : 0;
        for (int i = 0; i < depth; i++) {
            nestedNames.add(pick(NESTED));
        }
        if (new HashSet<>(nestedNames).size() != nestedNames.size() || nestedNames.contains(name)) {
            nestedNames.clear();
        }
        // pre-draw every field name of the file, so that no initializer uses one of them first
        int n = 1 + r.nextInt(6);
        List<List<String>> names = new ArrayList<>();
        for (int level = 0; level <= nestedNames.size(); level++) {
            List<String> ns = new ArrayList<>();
            int count = level == 0 ? n : 1 + r.nextInt(3);
            while (ns.size() < count) {
                String f = chance(10) ? name : pick(FIELDS);
                if (!ns.contains(f) && !nestedNames.contains(f) && !f.equals(level == 0 ? "" : nestedNames.get(level - 1))) {
                    ns.add(f);
                }
            }
            names.add(ns);
            scope.avoid.addAll(ns);
        }
        if (trap) {
            scope.avoid.addAll(List.of("K", "J", "trapq", "trapr"));
        }
        if (on(Category.CODEGEN) && chance(10)) {
            used.add(Category.CODEGEN);
            if (!names.get(0).contains("dev")) {
                names.get(0).set(0, "dev");
            }
            scope.avoid.add("dev");
        }

        // lines: header, fields and nested holders, closing braces; line numbers known as they are added
        List<String> imports = new ArrayList<>();
        List<String> bodyLines = new ArrayList<>();
        List<Object[]> pending = new ArrayList<>(); // {line index in bodyLines, Expected template}
        String binary = (pkg.isEmpty() ? "" : pkg + ".") + name;
        String accessorPrefix = (pkg.isEmpty() ? "" : pkg + ".") + name;
        int invalidLevel = invalid ? r.nextInt(nestedNames.size() + 1) : -1;
        String indent = "    ";
        if (kind.equals("enum")) {
            bodyLines.add(indent + "A, B" + (chance(50) ? ", Ç" : "") + ";");
        }
        if (trap) {
            used.add(Category.NAMES);
            trapFiles();
            List<String> traps = new ArrayList<>(List.of("K", "J", "(K * 10 + J)"));
            if (scope.free("Integer")) {
                traps.add("Integer.MAX_VALUE");
                traps.add("(Integer.MAX_VALUE - K)");
            }
            int nt = 1 + r.nextInt(3);
            for (int i = 0; i < nt; i++) {
                String f = "trap$" + i;
                bodyLines.add(indent + "@PerCpu static " + pick(new String[] {"int", "long", "double"}) + " " + f + " = "
                        + traps.get(r.nextInt(traps.size())) + ";");
                if (!invalid || invalidLevel != 0) {
                    vars.add(new Var(binary, accessorPrefix + "_PerCpu", f, Kind.PRIMITIVE, 0, null));
                }
            }
        }
        inRecord = kind.equals("record");
        String holderBinary = binary;
        String accessor = accessorPrefix;
        Set<String> allFields = new HashSet<>();
        for (int level = 0; level <= nestedNames.size(); level++) {
            if (level > 0) {
                String nn = nestedNames.get(level - 1);
                String nk = pick(new String[] {"static class", "public static class", "static final class", "enum",
                    "record"});
                String nkind = nk.replace("static ", "").replace("public ", "").replace("final ", "");
                bodyLines.add(indent + (nk.contains("enum") || nk.contains("record") ? (chance(50) ? "public " : "")
                        + nk + " " + nn + (nk.equals("record") ? "(long rb$)" : "") : nk + " " + nn) + " {");
                indent += "    ";
                inRecord = nkind.equals("record");
                if (nkind.equals("enum")) {
                    bodyLines.add(indent + "E;");
                }
                holderBinary += "$" + nn;
                accessor += "_" + nn;
            }
            boolean violate = level == invalidLevel;
            List<String> ns = names.get(level);
            int violateAt = violate ? r.nextInt(ns.size()) : -1;
            boolean hasFactory = false;
            List<String> factoryLines = new ArrayList<>();
            supplyClasses.clear();
            avoidTypes.clear();
            avoidTypes.add(name);
            avoidTypes.addAll(nestedNames);
            // issue #13 item 2: a field named like its top-level holder, in a holder with a factory: the
            // accessor's Outer.Inner::factory then starts with its own field (codegen)
            selfNamed = ns.contains(name);
            // in the unnamed package too: the factories are called from a class of their own there
            noFactory = selfNamed && !on(Category.CODEGEN);
            for (int i = 0; i < ns.size(); i++) {
                String f = ns.get(i);
                allFields.add(f);
                if (i == violateAt) {
                    violation(f, scope, bodyLines, indent, pending, factoryLines, holderBinary);
                    continue;
                }
                FieldDecl d = field(f, scope, holderBinary, accessor + "_PerCpu", indent, factoryLines);
                hasFactory |= d.factory;
                bodyLines.add(indent + d.text);
                if (!invalid || level != invalidLevel) {
                    vars.add(d.var);
                }
            }
            bodyLines.addAll(factoryLines);
            if (hasFactory && selfNamed) {
                used.add(Category.CODEGEN);
            }
        }
        for (int level = nestedNames.size(); level > 0; level--) {
            indent = indent.substring(4);
            bodyLines.add(indent + "}");
        }
        if (invalid && invalidLevel == -1) {
            throw new IllegalStateException();
        }
        // imports
        imports.add("import dev.percpu.PerCpu;");
        imports.add("import dev.percpu.Section;");
        if (trap) {
            imports.add("import static trapr.PubC.K;");
            imports.add("import static trapq.PkgC.*;");
            imports.add("import static trapr.PubW.*;");
        }
        // imported, not qualified: a package's first identifier may be a user's type name (runtime)
        if (extendsBase && !pkg.equals(basePkg)) {
            imports.add("import " + basePkg + ".Base;");
        }
        if (implementsIface && !pkg.equals(ifacePkg)) {
            imports.add("import " + ifacePkg + ".Iface;");
        }
        if (scope.importsConsts) {
            imports.add("import " + constsPkg + ".Consts;");
        }
        for (String s : scope.singleImports) {
            imports.add("import static " + constsPkg + ".Consts." + s + ";");
        }
        if (scope.wildImport) {
            imports.add("import static " + wildPkg + ".Wild.*;");
        }
        if (!pkg.isEmpty()) {
            out.add("package " + pkg + ";");
            out.add("");
        }
        for (String i : imports) {
            out.add(i);
        }
        out.add("");
        out.add(header);
        int first = out.text.size() + 1;
        for (String b : bodyLines) {
            out.add(b);
        }
        out.add("}");
        for (Object[] p : pending) {
            Expected e = (Expected) p[1];
            expected.add(new Expected(e.tag(), out.path, first + (int) p[0]));
        }
        files.add(new SourceFile(out.path, String.join("\n", out.text) + "\n"));
    }


    private boolean trapsWritten;
    /** Whether the holder being written is a record (which may not declare instance fields). */
    private boolean inRecord;

    /**
     * The classes of the name traps (issue #13 item 1), in packages no holder lives in: {@code Trap} has a
     * package-private nested class {@code Integer} and a package-private {@code K}, neither inherited by a
     * subclass in another package (Java reads java.lang.Integer and the single-static-imported
     * {@code trapr.PubC.K}); {@code PkgC}'s package-private {@code J} is not imported on demand (Java reads
     * {@code trapr.PubW.J}); {@code Mid}'s private {@code H} hides {@code Top}'s public one.
     */
    private void trapFiles() {
        if (trapsWritten) {
            return;
        }
        trapsWritten = true;
        add("trapq", "Trap", List.of("package trapq;", "", "public class Trap {",
                "    static class Integer { public static final int MAX_VALUE = 9; }",
                "    static final int K = 9;", "}"));
        add("trapq", "PkgC", List.of("package trapq;", "", "public final class PkgC {", "    static final int J = 9;", "}"));
        add("trapq", "Top", List.of("package trapq;", "", "public class Top {", "    public static final int H = 1;", "}"));
        add("trapq", "Mid", List.of("package trapq;", "", "public class Mid extends Top {",
                "    private static final int H = 2;", "}"));
        add("trapr", "PubC", List.of("package trapr;", "", "public final class PubC {", "    public static final int K = 4;",
                "}"));
        add("trapr", "PubW", List.of("package trapr;", "", "public final class PubW {", "    public static final int J = 5;",
                "}"));
    }

    private boolean selfNamed;
    private boolean noFactory;

    private record FieldDecl(String text, Var var, boolean factory) {}

    /** The user classes the current holder declares for its reference fields: name -> generic. */
    private final Map<String, Boolean> supplyClasses = new LinkedHashMap<>();
    /** Names a supply class must not take in the current holder (the holders'). */
    private final Set<String> avoidTypes = new HashSet<>();

    private static final String[] SECTIONS = {"FIRST", "PAGE_ALIGNED", "READ_MOSTLY", "SHARED_ALIGNED", "DEFAULT"};

    private String access() {
        return pick(new String[] {"", "private ", "public ", "protected ", ""});
    }

    private String annotation(List<String> args) {
        return args.isEmpty() ? (chance(20) ? "@PerCpu() " : "@PerCpu ") : "@PerCpu(" + String.join(", ", args) + ") ";
    }

    private FieldDecl field(String f, Scope scope, String holder, String accessor, String indent, List<String> factories) {
        int kind = r.nextInt(10);
        List<String> args = new ArrayList<>();
        if (kind < 5) {
            P t = pick(PRIMS);
            if (chance(30)) {
                args.add("section = Section." + pick(SECTIONS));
            }
            String init = chance(80) ? " = " + assignable(t, scope, Map.of(), 3) : "";
            String text = annotation(args) + access() + "static " + t.kw + " " + f + init + ";";
            return new FieldDecl(text, new Var(holder, accessor, f, Kind.PRIMITIVE, 0, null), false);
        }
        if (kind < 8) {
            P t = pick(PRIMS);
            int length = chance(10) ? 1 + r.nextInt(600) : 1 + r.nextInt(9);
            args.add("length = " + pick(new String[] {Integer.toString(length), "0x" + Integer.toHexString(length),
                "0b" + Integer.toBinaryString(length), "(" + (length + 1) + " - 1)"}));
            if (chance(30)) {
                args.add("section = Section." + pick(SECTIONS));
            }
            if (chance(30)) {
                java.util.Collections.reverse(args);
            }
            String init;
            int how = r.nextInt(5);
            if (how == 0) {
                init = "";
            } else if (how == 1) {
                init = " = new " + t.kw + "[" + pick(new String[] {Integer.toString(length), "0x" + Integer.toHexString(length),
                    "(" + (length - 1) + " + 1)"}) + "]";
            } else {
                int elements = r.nextInt(Math.min(length, 12) + 1);
                List<String> es = new ArrayList<>();
                for (int i = 0; i < elements; i++) {
                    es.add(assignable(t, scope, Map.of(), 2));
                }
                String list = "{" + String.join(", ", es) + (elements > 0 && chance(20) ? "," : "") + "}";
                init = " = " + (how == 2 ? "new " + t.kw + "[] " : "") + list;
            }
            String brackets = chance(85) ? t.kw + "[] " + f : t.kw + " " + f + "[]";
            String text = annotation(args) + access() + "static " + brackets + init + ";";
            return new FieldDecl(text, new Var(holder, accessor, f, Kind.ARRAY, length, null), false);
        }
        // references
        // (a factory returning a raw type and a field type that is an auxiliary class are tagged errors
        // since issue #13, [PerCpuFactoryUnchecked] and [PerCpuAuxiliaryClass], tested by the processor's
        // CodegenDiagnosticsTest; they are no longer drawn as valid fields)
        int which = r.nextInt(9);
        String type;
        String instance;
        String factoryBody = null;
        String factoryType = null;
        switch (which) {
            case 0 -> {
                type = scope.free("StringBuilder") ? "StringBuilder" : "java.lang.StringBuilder";
                instance = "java.lang.StringBuilder";
            }
            case 1 -> {
                type = "java.util.ArrayList<java.lang.String>";
                instance = "java.util.ArrayList";
            }
            case 2 -> {
                type = "java.util.List<java.lang.Integer>";
                instance = "java.util.ArrayList";
                factoryBody = "new java.util.ArrayList<>()";
            }
            case 3 -> {
                type = "java.util.concurrent.atomic.AtomicLong";
                instance = type;
                if (chance(50)) {
                    factoryBody = "new java.util.concurrent.atomic.AtomicLong(5)";
                }
            }
            case 4 -> {
                type = "java.util.Map<java.lang.String, java.util.List<java.lang.Long>>";
                instance = "java.util.HashMap";
                factoryBody = "new java.util.HashMap<>()";
            }
            case 5 -> {
                type = "java.lang.CharSequence";
                instance = "java.lang.StringBuilder";
                factoryBody = "new java.lang.StringBuilder(\"x\")";
                factoryType = chance(50) ? "java.lang.StringBuilder" : null;
            }
            case 6 -> {
                type = "java.util.concurrent.ConcurrentHashMap<java.lang.Integer, int[]>";
                instance = "java.util.concurrent.ConcurrentHashMap";
            }
            default -> {
                // a user class nested in the holder, maybe generic
                String c = pick(SUPPLY_CLASSES);
                boolean generic = chance(50);
                String cls = c;
                if (avoidTypes.contains(cls)) {
                    cls = "Box";
                }
                Boolean declared = supplyClasses.get(cls);
                if (declared != null) {
                    generic = declared;
                } else {
                    supplyClasses.put(cls, generic);
                    factories.add(indent + "static final class " + cls + (generic ? "<T>" : "") + " { }");
                }
                type = cls + (generic ? "<java.lang.Integer>" : "");
                instance = holder + "$" + cls;
                if (chance(40)) {
                    factoryBody = "new " + cls + (generic ? "<>" : "") + "()";
                }
            }
        }
        if (factoryBody != null && noFactory) {
            type = "java.lang.StringBuilder";
            instance = type;
            factoryBody = null;
        }
        if (factoryBody != null) {
            String name = pick(FACTORIES) + factories.size();
            args.add("factory = \"" + name + "\"");
            factories.add(indent + pick(new String[] {"static ", "public static ", "protected static "})
                    + (factoryType != null ? factoryType : type) + " " + name + "() { return " + factoryBody + "; }");
        }
        String text = annotation(args) + access() + "static " + type + " " + f + ";";
        return new FieldDecl(text, new Var(holder, accessor, f, Kind.REFERENCE, 0, instance), factoryBody != null);
    }

    // ---- violations ----------------------------------------------------------------------------------

    /** Adds field {@code f} breaking one rule, and the diagnostic it must give. */
    private void violation(String f, Scope scope, List<String> body, String indent, List<Object[]> pending,
            List<String> factories, String holder) {
        String[] rules = {"NotStatic", "Final", "Boxed", "Multi", "RefArray", "Raw", "Inaccessible", "NoLength",
            "LengthOnNonArray", "LengthNotPositive", "SectionOnRef", "NotConstant", "TooMany", "SizeMismatch",
            "RefInit", "FactoryOnPrimitive", "FactoryNotFound", "FactoryNotStatic", "FactoryParams",
            "FactoryPrivate", "FactoryWrongType", "FactoryThrows", "NoSupply", "LocalHolder", "PrivateHolder",
            "AnonHolder", "Names"};
        String rule = pick(rules);
        if (rule.equals("NotStatic") && inRecord) {
            rule = "Final";
        }
        if (on(Category.CODEGEN) && chance(10)) {
            rule = "GenericFactory";
        } else if (on(Category.LIMITS) && chance(10)) {
            rule = "Limits";
        }
        String tag;
        String text;
        String fac = "mk" + factories.size();
        switch (rule) {
            case "NotStatic" -> {
                tag = "PerCpuNotStatic";
                text = "@PerCpu long " + f + " = 1;";
            }
            case "Final" -> {
                tag = "PerCpuFinal";
                text = "@PerCpu static final int " + f + " = " + expr(P.INT, scope, Map.of(), 2) + ";";
            }
            case "Boxed" -> {
                tag = "PerCpuBoxedType";
                text = "@PerCpu static java.lang." + pick(new String[] {"Long", "Integer", "Boolean", "Character"})
                        + " " + f + ";";
            }
            case "Multi" -> {
                tag = "PerCpuMultiDimensionalArray";
                text = "@PerCpu(length = 2) static int[][] " + f + ";";
            }
            case "RefArray" -> {
                tag = "PerCpuReferenceArray";
                text = "@PerCpu(length = 2) static java.lang.Object[] " + f + ";";
            }
            case "Raw" -> {
                tag = "PerCpuRawType";
                text = "@SuppressWarnings(\"rawtypes\") @PerCpu static java.util.ArrayList " + f + ";";
            }
            case "Inaccessible" -> {
                tag = "PerCpuInaccessibleType";
                factories.add(indent + "private static final class Priv" + factories.size() + " { }");
                text = "@PerCpu static Priv" + (factories.size() - 1) + " " + f + ";";
            }
            case "NoLength" -> {
                tag = "PerCpuArrayWithoutLength";
                text = "@PerCpu static long[] " + f + ";";
            }
            case "LengthOnNonArray" -> {
                tag = "PerCpuLengthOnNonArray";
                text = "@PerCpu(length = 4) static long " + f + ";";
            }
            case "LengthNotPositive" -> {
                tag = "PerCpuLengthNotPositive";
                text = "@PerCpu(length = " + pick(new String[] {"0", "-1", "Integer.MIN_VALUE"}).replace("Integer.",
                        "java.lang.Integer.") + ") static long[] " + f + ";";
                if (!scope.free("java")) {
                    text = "@PerCpu(length = 0) static long[] " + f + ";";
                }
            }
            case "SectionOnRef" -> {
                tag = "PerCpuSectionOnReference";
                // not DEFAULT: section = Section.DEFAULT is the annotation's default, and is accepted as absent
                text = "@PerCpu(section = Section." + pick(SECTIONS).replace("DEFAULT", "READ_MOSTLY")
                        + ") static java.lang.StringBuilder " + f + ";";
            }
            case "NotConstant" -> {
                tag = "PerCpuInitializerNotConstant";
                text = "@PerCpu static long " + f + " = " + pick(new String[] {"java.lang.System.nanoTime()",
                    "new java.util.Random(1).nextInt()", "java.lang.Integer.parseInt(\"1\")"}) + ";";
                if (!scope.free("java")) {
                    text = "@PerCpu static long " + f + " = \"a\".length();";
                }
            }
            case "TooMany" -> {
                tag = "PerCpuTooManyElements";
                text = "@PerCpu(length = 2) static int[] " + f + " = {1, 2, 3};";
            }
            case "SizeMismatch" -> {
                tag = "PerCpuArraySizeMismatch";
                text = "@PerCpu(length = 2) static int[] " + f + " = new int[3];";
            }
            case "RefInit" -> {
                tag = "PerCpuReferenceInitializer";
                text = "@PerCpu static java.lang.StringBuilder " + f + " = new java.lang.StringBuilder();";
            }
            case "FactoryOnPrimitive" -> {
                tag = "PerCpuFactoryOnPrimitive";
                text = "@PerCpu(factory = \"" + fac + "\") static long " + f + ";";
                factories.add(indent + "static long " + fac + "() { return 1; }");
            }
            case "FactoryNotFound" -> {
                tag = "PerCpuFactoryNotFound";
                text = "@PerCpu(factory = \"noSuch" + fac + "\") static java.lang.StringBuilder " + f + ";";
            }
            case "FactoryNotStatic" -> {
                tag = "PerCpuFactoryNotStatic";
                text = "@PerCpu(factory = \"" + fac + "\") static java.lang.StringBuilder " + f + ";";
                factories.add(indent + "java.lang.StringBuilder " + fac + "() { return new java.lang.StringBuilder(); }");
            }
            case "FactoryParams" -> {
                tag = "PerCpuFactoryHasParameters";
                text = "@PerCpu(factory = \"" + fac + "\") static java.lang.StringBuilder " + f + ";";
                factories.add(indent + "static java.lang.StringBuilder " + fac
                        + "(int n) { return new java.lang.StringBuilder(n); }");
            }
            case "FactoryPrivate" -> {
                tag = "PerCpuFactoryNotAccessible";
                text = "@PerCpu(factory = \"" + fac + "\") static java.lang.StringBuilder " + f + ";";
                factories.add(indent + "private static java.lang.StringBuilder " + fac
                        + "() { return new java.lang.StringBuilder(); }");
            }
            case "FactoryWrongType" -> {
                tag = "PerCpuFactoryWrongType";
                text = "@PerCpu(factory = \"" + fac + "\") static java.lang.StringBuilder " + f + ";";
                factories.add(indent + "static java.lang.String " + fac + "() { return \"\"; }");
            }
            case "FactoryThrows" -> {
                tag = "PerCpuFactoryThrows";
                text = "@PerCpu(factory = \"" + fac + "\") static java.lang.StringBuilder " + f + ";";
                factories.add(indent + "static java.lang.StringBuilder " + fac
                        + "() throws java.io.IOException { return new java.lang.StringBuilder(); }");
            }
            case "NoSupply" -> {
                tag = "PerCpuNoInstanceSupply";
                String type = pick(new String[] {"java.util.List<java.lang.String>", "java.lang.Number",
                    "java.lang.Runnable", "java.lang.Integer"});
                text = "@PerCpu static " + type + " " + f + ";";
                if (type.equals("java.lang.Integer")) {
                    tag = "PerCpuBoxedType";
                }
            }
            case "LocalHolder" -> {
                tag = "PerCpuHolderKind";
                text = "static void local" + factories.size() + "() { class Local { @PerCpu static long " + f
                        + "; } }";
            }
            case "AnonHolder" -> {
                tag = "PerCpuHolderKind";
                text = "static final java.lang.Runnable TASK" + factories.size()
                        + " = new java.lang.Runnable() { @PerCpu static int " + f + "; public void run() { } };";
            }
            case "GenericFactory" -> {
                // issue #13 item 3: a generic factory whose bound cannot give the field's type
                used.add(Category.CODEGEN);
                tag = ANY_PERCPU;
                text = "@PerCpu(factory = \"" + fac + "\") static java.util.List<java.lang.String> " + f + ";";
                factories.add(indent + "static <T extends java.lang.Number> java.util.List<T> " + fac
                        + "() { return new java.util.ArrayList<>(); }");
            }
            case "Limits" -> {
                // issue #13 item 5: sizes past any section limit are tagged errors, not internal errors or OOM
                used.add(Category.LIMITS);
                tag = ANY_PERCPU;
                text = pick(new String[] {"@PerCpu(length = java.lang.Integer.MAX_VALUE) static byte[] " + f + ";",
                    "@PerCpu(length = 1 << 28) static long[] " + f + "; @PerCpu static long after$ = 1;",
                    "@PerCpu(length = 0x7ffffff0, section = Section.PAGE_ALIGNED) static int[] " + f + " = {1};"});
                if (!scope.free("java")) {
                    text = "@PerCpu(length = 1 << 28) static long[] " + f + "; @PerCpu static long after$ = 1;";
                }
            }
            case "PrivateHolder" -> {
                tag = "PerCpuHolderPrivate";
                text = "private static class Hidden" + factories.size() + " { @PerCpu static long " + f + "; }";
            }
            default -> {
                // issue #13 item 6: a misspelt name must show javac's own error, not a percpu one
                if (!on(Category.NAMES)) {
                    tag = "PerCpuFinal";
                    text = "@PerCpu static final long " + f + " = 0;";
                } else {
                    used.add(Category.NAMES);
                    tag = Expected.JAVAC;
                    text = "@PerCpu static long " + f + " = NoSuch" + factories.size() + ".CONST;";
                    if (chance(50) && scope.free("trapq")) {
                        // a private constant hiding a public one: javac says it is private, and nothing else
                        trapFiles();
                        text = "@PerCpu static long " + f + " = trapq.Mid.H;";
                    }
                }
            }
        }
        pending.add(new Object[] {body.size(), new Expected(tag, null, 0)});
        body.add(indent + text);
    }
}
