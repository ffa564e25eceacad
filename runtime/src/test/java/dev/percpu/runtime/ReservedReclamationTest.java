package dev.percpu.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.percpu.runtime.Fixtures.Mode;
import dev.percpu.runtime.spi.PlacedSection;
import dev.percpu.runtime.spi.StaticSection;
import java.lang.classfile.ClassFile;
import java.lang.constant.ClassDesc;
import java.lang.constant.ConstantDescs;
import java.lang.constant.MethodTypeDesc;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code pcpu_reserved_chunk} reclamation: a section loaded after set-up by a
 * {@link URLClassLoader} takes reserved space, and that space is freed once the loader, its
 * classes and every handle of the section are unreachable and collected; the next section
 * placed there starts from zero plus its own image. A handle that escaped keeps the space.
 */
class ReservedReclamationTest {

    @TempDir
    Path dir;

    private static final ClassDesc BASE = ClassDesc.of(ReloadableSection.class.getName());

    /** Writes {@code dev.percpu.reload.S<n> extends ReloadableSection} (a public no-arg constructor) under {@link #dir}. */
    private void writeSectionClass(int n) throws Exception {
        byte[] bytes = ClassFile.of().build(ClassDesc.of("dev.percpu.reload.S" + n), cb -> cb
                .withFlags(ClassFile.ACC_PUBLIC)
                .withSuperclass(BASE)
                .withMethodBody(ConstantDescs.INIT_NAME, MethodTypeDesc.of(ConstantDescs.CD_void), ClassFile.ACC_PUBLIC,
                        code -> code.aload(0)
                                .invokespecial(BASE, ConstantDescs.INIT_NAME, MethodTypeDesc.of(ConstantDescs.CD_void))
                                .return_()));
        Path file = dir.resolve("dev/percpu/reload/S" + n + ".class");
        Files.createDirectories(file.getParent());
        Files.write(file, bytes);
    }

    /**
     * In a loader of its own: loads S{@code n}, places it, checks its image, writes to it, and
     * returns the section's base; unless {@code keep} is given, nothing of it stays reachable.
     */
    private long placeInOwnLoader(PerCpuAreas areas, int n, PerCpuLong[] keep) throws Exception {
        writeSectionClass(n);
        try (URLClassLoader loader = new URLClassLoader(new URL[] {dir.toUri().toURL()},
                ReservedReclamationTest.class.getClassLoader())) {
            Class<?> c = loader.loadClass("dev.percpu.reload.S" + n);
            assertEquals(loader, c.getClassLoader());
            PlacedSection p = areas.place((StaticSection) c.getConstructor().newInstance());
            assertEquals("reserved", p.region());
            PerCpuLong x = p.longVar(0);
            PerCpuLongArray hist = p.longArray(64, 4);
            int cpus = areas.topology().possible().cardinality();
            assertEquals(42L * cpus, x.sum(), "the image, in every unit");
            assertEquals(0, hist.sum(0) + hist.sum(1) + hist.sum(2) + hist.sum(3), "zero, even in reused space");
            x.add(1000);
            hist.add(3, 7);
            if (keep != null) {
                keep[0] = x;
            }
            return p.base();
        }
    }

    private static void awaitReservedFree(PerCpuAreas areas) throws InterruptedException {
        for (int i = 0; i < 1000 && areas.reservedUsed() > 0; i++) {
            System.gc();
            Thread.sleep(10);
        }
        assertEquals(0, areas.reservedUsed(), "the section's reserved space was not freed after ~10 s");
    }

    @Test
    void anUnloadedLoadersSectionGivesItsReservedSpaceBack() throws Exception {
        PerCpuAreas areas = Fixtures.areas(Mode.ATOMIC);
        long first = placeInOwnLoader(areas, 1, null);
        assertEquals(6000, areas.reservedUsed());
        awaitReservedFree(areas);
        for (int n = 2; n <= 6; n++) { // five more, each needing the space the previous one gave back
            assertEquals(first, placeInOwnLoader(areas, n, null), "section " + n + " reuses the space");
            awaitReservedFree(areas);
        }
    }

    @Test
    void aHandleThatEscapedKeepsTheSpace() throws Exception {
        PerCpuAreas areas = Fixtures.areas(Mode.ATOMIC);
        PerCpuLong[] keep = new PerCpuLong[1];
        placeInOwnLoader(areas, 10, keep);
        for (int i = 0; i < 5; i++) {
            System.gc();
            Thread.sleep(20);
        }
        assertEquals(6000, areas.reservedUsed(), "a reachable handle keeps its section's space");
        String m = assertThrows(IllegalStateException.class, () -> placeInOwnLoader(areas, 11, null)).getMessage();
        assertTrue(m.contains("does not fit the reserved region"), m);
        int cpus = areas.topology().possible().cardinality();
        assertEquals(42L * cpus + 1000, keep[0].sum(), "the kept handle still reads its own section");
        keep[0] = null;
        awaitReservedFree(areas);
        long base = placeInOwnLoader(areas, 12, null);
        assertNotEquals(-1, base);
    }
}
