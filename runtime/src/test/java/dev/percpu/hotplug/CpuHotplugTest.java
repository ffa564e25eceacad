package dev.percpu.hotplug;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.percpu.cpu.CpuMask;
import dev.percpu.hotplug.CpuHotplugException.Reason;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The hotplug machinery against a fake kernel: every sequence, veto, rollback and failure, with
 * events from a test source. The real kernel is {@link RealHotplugTest}'s.
 */
class CpuHotplugTest {

    /** A kernel that keeps the online map in memory and can be told to fail. */
    static final class FakeKernel implements CpuControl {
        volatile CpuMask online;
        volatile String text;
        volatile IOException failWrites;
        volatile boolean hidden;
        final Set<Integer> noFile = Collections.synchronizedSet(new HashSet<>());
        final List<String> writes = Collections.synchronizedList(new ArrayList<>());

        FakeKernel(CpuMask online) {
            this.online = online;
        }

        @Override
        public CpuMask readOnline() throws IOException {
            if (hidden) {
                throw new NoSuchFileException("/fake/devices/system/cpu/online");
            }
            return text != null ? CpuMask.parse(text) : online;
        }

        @Override
        public void setOnline(int cpu, boolean on) throws IOException {
            writes.add(cpu + "=" + (on ? 1 : 0));
            if (noFile.contains(cpu)) {
                throw new NoSuchFileException("/fake/devices/system/cpu/cpu" + cpu + "/online");
            }
            if (failWrites != null) {
                throw failWrites;
            }
            online = on ? online.with(cpu) : online.without(cpu);
        }

        @Override
        public boolean writable(int cpu) {
            return true;
        }

        @Override
        public String describe() {
            return "/fake/devices/system/cpu";
        }
    }

    /** Events from the test: {@link #fire()} is what a uevent does. */
    static final class TestSource implements EventSource {
        CpuHotplug hp;

        void fire() {
            hp.requestReconcile();
            hp.sync();
        }

        @Override
        public String describe() {
            return "test events";
        }

        @Override
        public void close() {
        }
    }

    private final List<String> log = Collections.synchronizedList(new ArrayList<>());
    private final List<CpuHotplug> opened = new ArrayList<>();
    private FakeKernel kernel;
    private TestSource source;

    private CpuHotplug hotplug(CpuMask possible, CpuMask online) {
        return hotplug(possible, online, possible);
    }

    private CpuHotplug hotplug(CpuMask possible, CpuMask online, CpuMask affinity) {
        kernel = new FakeKernel(online);
        source = new TestSource();
        CpuHotplug hp = new CpuHotplug(possible, kernel, () -> affinity, h -> {
            source.hp = h;
            return source;
        }, new ReentrantReadWriteLock());
        opened.add(hp);
        return hp;
    }

    @AfterEach
    void closeAll() {
        opened.forEach(CpuHotplug::close);
    }

    private CpuNotifier recorder(String name) {
        return new CpuNotifier() {
            @Override
            public NotifyResult notify(CpuAction action, int cpu) {
                log.add(name + " " + action + " " + cpu);
                return NotifyResult.OK;
            }

            @Override
            public String toString() {
                return name;
            }
        };
    }

    private CpuNotifier vetoing(String name, CpuAction vetoed) {
        return new CpuNotifier() {
            @Override
            public NotifyResult notify(CpuAction action, int cpu) {
                log.add(name + " " + action + " " + cpu);
                return action == vetoed ? NotifyResult.BAD : NotifyResult.OK;
            }

            @Override
            public String toString() {
                return name;
            }
        };
    }

    private CpuHpState state(CpuHotplug hp, String name, CpuHpSection section) {
        return hp.setupState(name, section, cpu -> log.add(name + " startup " + cpu),
                cpu -> log.add(name + " teardown " + cpu));
    }

    private List<String> drain() {
        synchronized (log) {
            List<String> l = List.copyOf(log);
            log.clear();
            return l;
        }
    }

    // ---- the sequences ------------------------------------------------------------------------------

    @Test
    void downAndUpRunTheSeedsSequenceWithStatesAtTheirSections() {
        CpuHotplug hp = hotplug(CpuMask.range(0, 4), CpuMask.range(0, 4));
        hp.registerCpuNotifier(recorder("n"), 0);
        state(hp, "P", CpuHpSection.PREPARE);
        state(hp, "O", CpuHpSection.ONLINE);
        assertEquals(List.of("P startup 0", "P startup 1", "P startup 2", "P startup 3",
                "O startup 0", "O startup 1", "O startup 2", "O startup 3"), drain());

        assertTrue(hp.cpuDown(2));
        assertEquals(List.of("n DOWN_PREPARE 2", "O teardown 2", "n DYING 2", "n DEAD 2", "P teardown 2",
                "n POST_DEAD 2"), drain());
        assertEquals(CpuMask.of(0, 1, 3), hp.onlineMask());
        assertEquals(List.of("2=0"), kernel.writes);
        assertFalse(hp.cpuDown(2), "already offline: nothing to do");
        assertEquals(List.of(), drain());

        assertTrue(hp.cpuUp(2));
        assertEquals(List.of("n UP_PREPARE 2", "P startup 2", "n ONLINE 2", "O startup 2"), drain());
        assertEquals(CpuMask.range(0, 4), hp.onlineMask());
        assertEquals(List.of("2=0", "2=1"), kernel.writes);
        assertFalse(hp.cpuUp(2));
    }

    @Test
    void statesOfASectionStartInSetUpOrderAndTearDownInReverse() {
        CpuHotplug hp = hotplug(CpuMask.range(0, 2), CpuMask.range(0, 2));
        state(hp, "O1", CpuHpSection.ONLINE);
        state(hp, "P1", CpuHpSection.PREPARE);
        state(hp, "O2", CpuHpSection.ONLINE);
        state(hp, "P2", CpuHpSection.PREPARE);
        state(hp, "O3", CpuHpSection.ONLINE);
        drain();
        hp.cpuDown(1);
        assertEquals(List.of("O3 teardown 1", "O2 teardown 1", "O1 teardown 1", "P2 teardown 1", "P1 teardown 1"),
                drain());
        hp.cpuUp(1);
        assertEquals(List.of("P1 startup 1", "P2 startup 1", "O1 startup 1", "O2 startup 1", "O3 startup 1"), drain());
    }

    @Test
    void notifiersRunByPriorityThenRegistrationAndStopEndsTheChain() {
        CpuHotplug hp = hotplug(CpuMask.range(0, 2), CpuMask.range(0, 2));
        hp.registerCpuNotifier(recorder("a0"), 0);
        hp.registerCpuNotifier(recorder("b10"), 10);
        hp.registerCpuNotifier(recorder("c10"), 10);
        hp.registerCpuNotifier((action, cpu) -> {
            log.add("stop5 " + action + " " + cpu);
            return action == CpuAction.DEAD ? NotifyResult.STOP : NotifyResult.DONE;
        }, 5);
        hp.cpuDown(1);
        assertEquals(List.of(
                "b10 DOWN_PREPARE 1", "c10 DOWN_PREPARE 1", "stop5 DOWN_PREPARE 1", "a0 DOWN_PREPARE 1",
                "b10 DYING 1", "c10 DYING 1", "stop5 DYING 1", "a0 DYING 1",
                "b10 DEAD 1", "c10 DEAD 1", "stop5 DEAD 1",
                "b10 POST_DEAD 1", "c10 POST_DEAD 1", "stop5 POST_DEAD 1", "a0 POST_DEAD 1"), drain());
        CpuNotifier twice = recorder("twice");
        hp.registerCpuNotifier(twice, 0);
        assertThrows(IllegalArgumentException.class, () -> hp.registerCpuNotifier(twice, 1));
        assertTrue(hp.unregisterCpuNotifier(twice));
        assertFalse(hp.unregisterCpuNotifier(twice));
    }

    // ---- vetoes -----------------------------------------------------------------------------------------

    @Test
    void aVetoedDownCancelsOnlyTheNotifiersCalledBeforeTheVetoAndChangesNothing() {
        CpuHotplug hp = hotplug(CpuMask.range(0, 4), CpuMask.range(0, 4));
        hp.registerCpuNotifier(recorder("a"), 10);
        hp.registerCpuNotifier(vetoing("b", CpuAction.DOWN_PREPARE), 5);
        hp.registerCpuNotifier(recorder("c"), 0);
        state(hp, "O", CpuHpSection.ONLINE);
        drain();
        CpuHotplugException e = assertThrows(CpuHotplugException.class, () -> hp.cpuDown(3));
        assertEquals(Reason.VETOED, e.reason());
        assertEquals(3, e.cpu());
        assertTrue(e.getMessage().contains("b vetoed taking CPU 3 down (DOWN_PREPARE)"), e.getMessage());
        // nr_calls - 1: a got DOWN_PREPARE and DOWN_FAILED, b (the vetoer) only DOWN_PREPARE, c nothing
        assertEquals(List.of("a DOWN_PREPARE 3", "b DOWN_PREPARE 3", "a DOWN_FAILED 3"), drain());
        assertEquals(CpuMask.range(0, 4), hp.onlineMask());
        assertEquals(List.of(), kernel.writes);
    }

    @Test
    void aVetoedUpCancelsTheNotifiersCalledBeforeAndAThrowingNotifierIsAVetoWithItsCause() {
        CpuHotplug hp = hotplug(CpuMask.range(0, 4), CpuMask.of(0, 1));
        hp.registerCpuNotifier(recorder("a"), 10);
        RuntimeException boom = new RuntimeException("no memory for CPU 2's caches");
        hp.registerCpuNotifier((action, cpu) -> {
            log.add("thrower " + action + " " + cpu);
            if (action == CpuAction.UP_PREPARE) {
                throw boom;
            }
            return NotifyResult.OK;
        }, 5);
        state(hp, "P", CpuHpSection.PREPARE);
        drain();
        CpuHotplugException e = assertThrows(CpuHotplugException.class, () -> hp.cpuUp(2));
        assertEquals(Reason.VETOED, e.reason());
        assertSame(boom, e.getCause());
        assertEquals(List.of("a UP_PREPARE 2", "thrower UP_PREPARE 2", "a UP_CANCELED 2"), drain());
        assertEquals(CpuMask.of(0, 1), hp.onlineMask());
        assertEquals(List.of(), kernel.writes);
    }

    @Test
    void nofailEventsLogWhatNotifiersThrowAndTheSequenceGoesOn() {
        CpuHotplug hp = hotplug(CpuMask.range(0, 2), CpuMask.range(0, 2));
        hp.registerCpuNotifier((action, cpu) -> {
            log.add("bad " + action);
            if (action == CpuAction.DEAD) {
                throw new IllegalStateException("cannot fail, but did");
            }
            return action == CpuAction.DYING ? NotifyResult.BAD : NotifyResult.OK;
        }, 1);
        hp.registerCpuNotifier(recorder("after"), 0);
        assertTrue(hp.cpuDown(1));
        assertEquals(List.of("bad DOWN_PREPARE", "after DOWN_PREPARE 1", "bad DYING", "after DYING 1", "bad DEAD",
                "after DEAD 1", "bad POST_DEAD", "after POST_DEAD 1"), drain());
        assertEquals(CpuMask.of(0), hp.onlineMask());
    }

    // ---- state registration and removal --------------------------------------------------------------------

    @Test
    void aStartupFailingAtRegistrationRollsBackInReverseAndTheStateIsNotInstalled() {
        CpuHotplug hp = hotplug(CpuMask.range(0, 4), CpuMask.range(0, 4));
        CpuHotplugException e = assertThrows(CpuHotplugException.class, () -> hp.setupState("fails at 2",
                CpuHpSection.ONLINE, cpu -> {
                    log.add("startup " + cpu);
                    if (cpu == 2) {
                        throw new IOException("cannot start on 2");
                    }
                }, cpu -> log.add("teardown " + cpu)));
        assertEquals(Reason.CALLBACK_FAILED, e.reason());
        assertEquals(2, e.cpu());
        assertInstanceOf(IOException.class, e.getCause());
        assertTrue(e.getMessage().contains("teardown ran on CPUs [1, 0]"), e.getMessage());
        assertEquals(List.of("startup 0", "startup 1", "startup 2", "teardown 1", "teardown 0"), drain());
        hp.cpuDown(3);
        hp.cpuUp(3);
        assertEquals(List.of(), drain(), "a state that failed to install takes no part in later sequences");
    }

    @Test
    void removeRunsTeardownWhereStartupRanAndNocallsDoesNot() {
        CpuHotplug hp = hotplug(CpuMask.range(0, 3), CpuMask.range(0, 3));
        CpuHpState s = state(hp, "S", CpuHpSection.PREPARE);
        CpuHpState quiet = hp.setupStateNocalls("Q", CpuHpSection.ONLINE, cpu -> log.add("Q startup " + cpu),
                cpu -> log.add("Q teardown " + cpu));
        hp.cpuDown(1);
        assertEquals(List.of("S startup 0", "S startup 1", "S startup 2", "Q teardown 1", "S teardown 1"), drain());
        assertTrue(s.isInstalled());
        s.remove();
        assertEquals(List.of("S teardown 2", "S teardown 0"), drain(), "reverse CPU order, not on the offline CPU");
        assertFalse(s.isInstalled());
        assertThrows(IllegalStateException.class, s::remove);
        quiet.removeNocalls();
        assertEquals(List.of(), drain());
        hp.cpuUp(1);
        assertEquals(List.of(), drain(), "removed states take no part");
    }

    @Test
    void aFailingTeardownIsLoggedOnceAndTheSequenceGoesOn() {
        CpuHotplug hp = hotplug(CpuMask.range(0, 2), CpuMask.range(0, 2));
        hp.registerCpuNotifier(recorder("n"), 0);
        hp.setupState("T", CpuHpSection.ONLINE, null, cpu -> {
            log.add("T teardown " + cpu);
            throw new IllegalStateException("teardown cannot fail, but did");
        });
        assertTrue(hp.cpuDown(1));
        assertEquals(List.of("n DOWN_PREPARE 1", "T teardown 1", "n DYING 1", "n DEAD 1", "n POST_DEAD 1"), drain());
        assertEquals(CpuMask.of(0), hp.onlineMask());
    }

    @Test
    void multiInstanceStatesRunPerInstanceAndRollBackAFailedAdd() {
        CpuHotplug hp = hotplug(CpuMask.range(0, 3), CpuMask.range(0, 3));
        CpuHpMultiState<String> m = hp.setupMultiState("M", CpuHpSection.PREPARE,
                (cpu, inst) -> {
                    log.add("startup " + cpu + " " + inst);
                    if (inst.equals("bad") && cpu == 1) {
                        throw new IllegalStateException("bad on 1");
                    }
                },
                (cpu, inst) -> log.add("teardown " + cpu + " " + inst));
        assertEquals(List.of(), drain(), "no instances: nothing runs at set-up");
        m.addInstance("a");
        m.addInstance("b");
        assertEquals(List.of("startup 0 a", "startup 1 a", "startup 2 a", "startup 0 b", "startup 1 b", "startup 2 b"),
                drain());
        assertThrows(IllegalArgumentException.class, () -> m.addInstance("a"));
        CpuHotplugException e = assertThrows(CpuHotplugException.class, () -> m.addInstance("bad"));
        assertEquals(Reason.CALLBACK_FAILED, e.reason());
        assertEquals(List.of("startup 0 bad", "startup 1 bad", "teardown 0 bad"), drain());
        assertEquals(2, m.instances());

        hp.cpuDown(2);
        assertEquals(List.of("teardown 2 b", "teardown 2 a"), drain());
        hp.cpuUp(2);
        assertEquals(List.of("startup 2 a", "startup 2 b"), drain());
        assertThrows(IllegalStateException.class, m::remove, "instances remain");
        assertTrue(m.removeInstance("a"));
        assertEquals(List.of("teardown 2 a", "teardown 1 a", "teardown 0 a"), drain());
        assertFalse(m.removeInstance("a"));
        assertTrue(m.removeInstanceNocalls("b"));
        assertEquals(List.of(), drain());
        m.remove();
        assertFalse(m.isInstalled());
        assertThrows(IllegalStateException.class, () -> m.addInstance("c"));
    }

    // ---- failures of cpu_up / cpu_down ----------------------------------------------------------------------

    @Test
    void aPrepareStartupFailingInCpuUpRollsBackAndCancels() {
        CpuHotplug hp = hotplug(CpuMask.range(0, 3), CpuMask.of(0, 1));
        hp.registerCpuNotifier(recorder("n"), 0);
        state(hp, "P1", CpuHpSection.PREPARE);
        hp.setupState("P2", CpuHpSection.PREPARE, cpu -> {
            if (cpu == 2) {
                throw new IllegalStateException("no room on 2");
            }
        }, cpu -> log.add("P2 teardown " + cpu));
        drain();
        CpuHotplugException e = assertThrows(CpuHotplugException.class, () -> hp.cpuUp(2));
        assertEquals(Reason.CALLBACK_FAILED, e.reason());
        assertEquals(List.of("n UP_PREPARE 2", "P1 startup 2", "P1 teardown 2", "n UP_CANCELED 2"), drain());
        assertEquals(List.of(), kernel.writes, "the CPU was never written");
        assertEquals(CpuMask.of(0, 1), hp.onlineMask());
    }

    @Test
    void anOnlineStartupFailingInCpuUpTakesTheCpuBackDown() {
        CpuHotplug hp = hotplug(CpuMask.range(0, 3), CpuMask.of(0, 1));
        hp.registerCpuNotifier(recorder("n"), 0);
        state(hp, "P", CpuHpSection.PREPARE);
        state(hp, "O1", CpuHpSection.ONLINE);
        hp.setupState("O2", CpuHpSection.ONLINE, cpu -> {
            if (cpu == 2) {
                throw new IllegalStateException("cannot start O2 on 2");
            }
        }, cpu -> log.add("O2 teardown " + cpu));
        drain();
        CpuHotplugException e = assertThrows(CpuHotplugException.class, () -> hp.cpuUp(2));
        assertEquals(Reason.CALLBACK_FAILED, e.reason());
        assertTrue(e.getMessage().contains("was taken back down"), e.getMessage());
        assertEquals(List.of("n UP_PREPARE 2", "P startup 2", "n ONLINE 2", "O1 startup 2", "O1 teardown 2",
                "n DYING 2", "n DEAD 2", "P teardown 2", "n POST_DEAD 2"), drain());
        assertEquals(List.of("2=1", "2=0"), kernel.writes);
        assertEquals(CpuMask.of(0, 1), hp.onlineMask());
        assertEquals(CpuMask.of(0, 1), kernel.online);
    }

    @Test
    void aKernelRefusalKeepsTheCpuOnlineRestartsItsStatesAndNamesTheReason() {
        CpuHotplug hp = hotplug(CpuMask.range(0, 3), CpuMask.range(0, 3));
        hp.registerCpuNotifier(recorder("n"), 0);
        state(hp, "O", CpuHpSection.ONLINE);
        drain();
        kernel.failWrites = new java.nio.file.FileSystemException("/fake/devices/system/cpu/cpu1/online", null,
                "Device or resource busy");
        CpuHotplugException busy = assertThrows(CpuHotplugException.class, () -> hp.cpuDown(1));
        assertEquals(Reason.BUSY, busy.reason());
        assertEquals(List.of("n DOWN_PREPARE 1", "O teardown 1", "O startup 1", "n DOWN_FAILED 1"), drain());
        assertEquals(CpuMask.range(0, 3), hp.onlineMask());

        kernel.failWrites = new AccessDeniedException("/fake/devices/system/cpu/cpu1/online");
        CpuHotplugException denied = assertThrows(CpuHotplugException.class, () -> hp.cpuDown(1));
        assertEquals(Reason.DENIED, denied.reason());
        assertTrue(denied.getMessage().contains("CPU hotplug needs root"), denied.getMessage());

        kernel.failWrites = null;
        kernel.noFile.add(0);
        CpuHotplugException unsupported = assertThrows(CpuHotplugException.class, () -> hp.cpuDown(0));
        assertEquals(Reason.UNSUPPORTED, unsupported.reason());
        assertTrue(unsupported.getMessage().contains("cpu0/online does not exist"), unsupported.getMessage());
        assertEquals(CpuMask.range(0, 3), hp.onlineMask());
    }

    @Test
    void disabledHotplugAndTheLastOnlineCpuAreBusyAndBadIdsAreIllegalArguments() {
        CpuHotplug hp = hotplug(CpuMask.of(0, 2), CpuMask.of(0, 2));
        hp.cpuHotplugDisable();
        hp.cpuHotplugDisable();
        CpuHotplugException e = assertThrows(CpuHotplugException.class, () -> hp.cpuDown(2));
        assertEquals(Reason.BUSY, e.reason());
        assertTrue(e.getMessage().contains("disabled"), e.getMessage());
        hp.cpuHotplugEnable();
        assertThrows(CpuHotplugException.class, () -> hp.cpuDown(2), "still disabled once");
        hp.cpuHotplugEnable();
        assertThrows(IllegalStateException.class, hp::cpuHotplugEnable, "unbalanced");
        assertTrue(hp.cpuDown(2));
        CpuHotplugException last = assertThrows(CpuHotplugException.class, () -> hp.cpuDown(0));
        assertEquals(Reason.BUSY, last.reason());
        assertTrue(last.getMessage().contains("last CPU online"), last.getMessage());
        IllegalArgumentException bad = assertThrows(IllegalArgumentException.class, () -> hp.cpuDown(1));
        assertTrue(bad.getMessage().contains("CPU 1 is not a possible CPU (0,2)"), bad.getMessage());
        assertThrows(IllegalArgumentException.class, () -> hp.cpuUp(-1));
        assertThrows(IllegalArgumentException.class, () -> hp.cpuUp(64));
    }

    // ---- events from outside --------------------------------------------------------------------------------

    @Test
    void changesMadeOutsideTheJvmAreDeliveredAfterTheFactAndCannotBeVetoed() {
        CpuHotplug hp = hotplug(CpuMask.range(0, 4), CpuMask.range(0, 4));
        hp.registerCpuNotifier(vetoing("v", CpuAction.DOWN_PREPARE), 1);
        hp.registerCpuNotifier(recorder("n"), 0);
        boolean[] failOn3 = {false};
        hp.setupState("P", CpuHpSection.PREPARE, cpu -> {
            log.add("P startup " + cpu);
            if (cpu == 3 && failOn3[0]) {
                throw new IllegalStateException("P cannot start on 3");
            }
        }, cpu -> log.add("P teardown " + cpu));
        drain();
        kernel.online = CpuMask.of(0, 2); // 1 and 3 went offline outside the JVM
        source.fire();
        assertEquals(List.of("v DOWN_PREPARE 1", "n DOWN_PREPARE 1", "v DYING 1", "n DYING 1", "v DEAD 1", "n DEAD 1",
                "P teardown 1", "v POST_DEAD 1", "n POST_DEAD 1",
                "v DOWN_PREPARE 3", "n DOWN_PREPARE 3", "v DYING 3", "n DYING 3", "v DEAD 3", "n DEAD 3",
                "P teardown 3", "v POST_DEAD 3", "n POST_DEAD 3"), drain(), "the veto is ignored: it already happened");
        assertEquals(CpuMask.of(0, 2), hp.onlineMask());
        source.fire();
        assertEquals(List.of(), drain(), "a repeated event with nothing changed delivers nothing");

        failOn3[0] = true;
        kernel.online = CpuMask.range(0, 4);
        source.fire();
        assertEquals(List.of("v UP_PREPARE 1", "n UP_PREPARE 1", "P startup 1", "v ONLINE 1", "n ONLINE 1",
                "v UP_PREPARE 3", "n UP_PREPARE 3", "P startup 3", "v ONLINE 3", "n ONLINE 3"), drain(),
                "a startup failing for a CPU that came up outside the JVM is logged; the CPU stays online");
        assertEquals(CpuMask.range(0, 4), hp.onlineMask());
        kernel.online = CpuMask.range(0, 3);
        source.fire();
        assertEquals(List.of("v DOWN_PREPARE 3", "n DOWN_PREPARE 3", "v DYING 3", "n DYING 3", "v DEAD 3", "n DEAD 3",
                "v POST_DEAD 3", "n POST_DEAD 3"), drain(), "P is not up on 3, so it is not torn down there");
        assertEquals(List.of(), kernel.writes, "nothing was written: the kernel had done it");
    }

    @Test
    void sparseIdsAndAnAffinityGiveTheActiveMask() {
        CpuMask possible = CpuMask.of(0, 2, 4, 6);
        CpuHotplug hp = hotplug(possible, possible, CpuMask.of(2, 4));
        assertEquals(possible, hp.possibleMask());
        assertEquals(CpuMask.of(2, 4), hp.activeMask());
        hp.registerCpuNotifier(recorder("n"), 0);
        kernel.online = CpuMask.of(0, 2, 6);
        source.fire();
        assertEquals(List.of("n DOWN_PREPARE 4", "n DYING 4", "n DEAD 4", "n POST_DEAD 4"), drain());
        assertEquals(CpuMask.of(2), hp.activeMask());
        assertTrue(hp.isOnline(6));
        assertFalse(hp.isOnline(4));
        assertFalse(hp.isOnline(5));
        assertTrue(hp.cpuUp(4));
        assertEquals(CpuMask.of(0, 2, 4, 6), hp.onlineMask());
    }

    @Test
    void aHiddenOrMalformedOnlineFileAndIdsBeyondNrCpuIdsAreLoggedAndSurvived() {
        CpuHotplug hp = hotplug(CpuMask.range(0, 4), CpuMask.range(0, 4));
        hp.registerCpuNotifier(recorder("n"), 0);
        kernel.hidden = true;
        source.fire();
        assertEquals(CpuMask.range(0, 4), hp.onlineMask());
        kernel.hidden = false;
        kernel.text = "0-1,x";
        source.fire();
        kernel.text = "";
        source.fire();
        assertEquals(CpuMask.range(0, 4), hp.onlineMask());
        assertEquals(List.of(), drain());
        kernel.text = "0-2,9,4096";
        source.fire();
        assertEquals(List.of("n DOWN_PREPARE 3", "n DYING 3", "n DEAD 3", "n POST_DEAD 3"), drain(),
                "ids that are not possible CPUs are dropped; the rest is delivered");
        assertEquals(CpuMask.range(0, 3), hp.onlineMask());
    }

    @Test
    void anUnreadableOnlineFileAtStartTakesEveryPossibleCpuAsOnline() {
        kernel = new FakeKernel(CpuMask.of(0));
        kernel.hidden = true;
        source = new TestSource();
        try (CpuHotplug hp = new CpuHotplug(CpuMask.range(0, 3), kernel, () -> CpuMask.range(0, 3), h -> {
            source.hp = h;
            return source;
        }, new ReentrantReadWriteLock())) {
            assertEquals(CpuMask.range(0, 3), hp.onlineMask());
            kernel.hidden = false;
            source.fire();
            assertEquals(CpuMask.of(0), hp.onlineMask(), "once readable, the real map is delivered");
        }
    }

    @Test
    void pollingAFileTreeDeliversAnOfflining(@TempDir Path root) throws Exception {
        Path cpu = Files.createDirectories(root.resolve("devices/system/cpu"));
        Files.writeString(cpu.resolve("online"), "0-3\n");
        CountDownLatch dead = new CountDownLatch(1);
        try (CpuHotplug hp = new CpuHotplug(CpuMask.range(0, 4), CpuControl.sysfs(root), () -> CpuMask.range(0, 4),
                h -> EventSource.poll(h, 10, "test"), new ReentrantReadWriteLock())) {
            assertTrue(hp.eventSource().startsWith("polling " + cpu + "/online every 10 ms"), hp.eventSource());
            hp.registerCpuNotifier((action, c) -> {
                if (action == CpuAction.DEAD && c == 2) {
                    dead.countDown();
                }
                return NotifyResult.OK;
            }, 0);
            Files.writeString(cpu.resolve("online"), "0-1,3\n");
            assertTrue(dead.await(30, TimeUnit.SECONDS), "the poll saw CPU 2 go");
            assertEquals(CpuMask.of(0, 1, 3), hp.onlineMask());
            // cpu_up on a file tree writes the CPU's online file
            Files.createDirectories(cpu.resolve("cpu2"));
            Files.writeString(cpu.resolve("cpu2/online"), "0");
            Files.writeString(cpu.resolve("online"), "0-3\n"); // what the kernel would do
            hp.sync();
        }
    }

    @Test
    void theSourcePropertiesAreValidated() {
        String old = System.getProperty(CpuHotplug.SOURCE_PROPERTY);
        try {
            System.setProperty(CpuHotplug.SOURCE_PROPERTY, "udev");
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> CpuHotplug.configuredSource(true));
            assertTrue(e.getMessage().contains("percpu.hotplug.source") && e.getMessage().contains("udev"), e.getMessage());
            System.setProperty(CpuHotplug.SOURCE_PROPERTY, "poll");
            System.setProperty(CpuHotplug.POLL_PROPERTY, "5");
            e = assertThrows(IllegalArgumentException.class, () -> CpuHotplug.configuredSource(true));
            assertTrue(e.getMessage().contains("percpu.hotplug.poll.millis") && e.getMessage().contains("from 10 to 60000"),
                    e.getMessage());
            System.setProperty(CpuHotplug.POLL_PROPERTY, "x");
            assertThrows(IllegalArgumentException.class, () -> CpuHotplug.configuredSource(true));
        } finally {
            if (old == null) {
                System.clearProperty(CpuHotplug.SOURCE_PROPERTY);
            } else {
                System.setProperty(CpuHotplug.SOURCE_PROPERTY, old);
            }
            System.clearProperty(CpuHotplug.POLL_PROPERTY);
        }
    }

    @Test
    void ueventMessagesParse() {
        byte[] m = ("offline@/devices/system/cpu/cpu1\0ACTION=offline\0DEVPATH=/devices/system/cpu/cpu1\0"
                + "SUBSYSTEM=cpu\0SEQNUM=4711\0").getBytes(StandardCharsets.UTF_8);
        var e = dev.percpu.runtime.internal.sys.UeventSocket.parse(m, m.length);
        assertEquals("offline", e.action());
        assertEquals("/devices/system/cpu/cpu1", e.devpath());
        assertEquals("cpu", e.subsystem());
        assertEquals("4711", e.env().get("SEQNUM"));
        assertTrue(EventSource.isCpuChange(e));
        byte[] block = "add@/devices/virtual/block/loop0\0ACTION=add\0SUBSYSTEM=block\0".getBytes(StandardCharsets.UTF_8);
        assertFalse(EventSource.isCpuChange(dev.percpu.runtime.internal.sys.UeventSocket.parse(block, block.length)));
        byte[] udev = "libudev\0\0\0".getBytes(StandardCharsets.UTF_8);
        assertNull(dev.percpu.runtime.internal.sys.UeventSocket.parse(udev, udev.length));
        assertNull(dev.percpu.runtime.internal.sys.UeventSocket.parse(new byte[0], 0));
        byte[] truncated = "offline@/devices/system/cpu/cpu1\0ACTION=off".getBytes(StandardCharsets.UTF_8);
        assertEquals("off", dev.percpu.runtime.internal.sys.UeventSocket.parse(truncated, truncated.length).action());
    }

    // ---- get_online_cpus, cpu_maps_update_begin ---------------------------------------------------------------

    @Test
    void getOnlineCpusHoldsOffEverySequenceUntilPut() throws Exception {
        CpuHotplug hp = hotplug(CpuMask.range(0, 3), CpuMask.range(0, 3));
        hp.registerCpuNotifier(recorder("n"), 0);
        hp.getOnlineCpus();
        hp.getOnlineCpus(); // reentrant
        AtomicReference<Throwable> failure = new AtomicReference<>();
        long started = hp.tasksStarted();
        Thread t = Thread.ofPlatform().start(() -> {
            try {
                hp.cpuDown(1);
            } catch (Throwable e) {
                failure.set(e);
            }
        });
        // wait (without a timing assertion) until the hotplug thread has taken cpuDown's task and blocks on the lock
        while (hp.tasksStarted() == started || hp.hotplugThread().getState() == Thread.State.RUNNABLE) {
            Thread.sleep(1);
        }
        assertEquals(List.of(), drain(), "no callback runs while getOnlineCpus() is held");
        assertEquals(CpuMask.range(0, 3), hp.onlineMask(), "the map does not change for the holder");
        hp.putOnlineCpus();
        assertEquals(List.of(), drain(), "still held once");
        assertEquals(CpuMask.range(0, 3), hp.onlineMask());
        hp.putOnlineCpus();
        t.join();
        assertNull(failure.get());
        assertEquals(List.of("n DOWN_PREPARE 1", "n DYING 1", "n DEAD 1", "n POST_DEAD 1"), drain());
        IllegalStateException e = assertThrows(IllegalStateException.class, hp::putOnlineCpus);
        assertTrue(e.getMessage().contains("does not hold getOnlineCpus()"), e.getMessage());
    }

    @Test
    void holdersAndCallbacksCannotDeadlockThemselves() {
        CpuHotplug hp = hotplug(CpuMask.range(0, 3), CpuMask.range(0, 3));
        try (var held = hp.holdOnlineCpus()) {
            assertTrue(held != null);
            IllegalStateException e = assertThrows(IllegalStateException.class, () -> hp.cpuDown(1));
            assertTrue(e.getMessage().contains("holds getOnlineCpus()"), e.getMessage());
            assertThrows(IllegalStateException.class, () -> hp.setupState("x", CpuHpSection.ONLINE, null, null));
        }
        hp.cpuMapsUpdateBegin();
        try {
            IllegalStateException e = assertThrows(IllegalStateException.class, () -> hp.cpuUp(1));
            assertTrue(e.getMessage().contains("holds cpuMapsUpdateBegin()"), e.getMessage());
        } finally {
            hp.cpuMapsUpdateDone();
        }
        AtomicReference<Throwable> fromCallback = new AtomicReference<>();
        hp.registerCpuNotifier((action, cpu) -> {
            if (action == CpuAction.DEAD) {
                hp.getOnlineCpus(); // the writer's own recursion: returns at once
                hp.putOnlineCpus();
                try {
                    hp.cpuUp(cpu);
                } catch (Throwable t) {
                    fromCallback.set(t);
                }
            }
            return NotifyResult.OK;
        }, 0);
        assertTrue(hp.cpuDown(2));
        assertInstanceOf(IllegalStateException.class, fromCallback.get());
        assertTrue(fromCallback.get().getMessage().contains("from a hotplug callback"), fromCallback.get().getMessage());
        assertEquals(CpuMask.of(0, 1), hp.onlineMask());
    }

    @Test
    void aClosedInstanceRefusesWork() {
        CpuHotplug hp = hotplug(CpuMask.range(0, 2), CpuMask.range(0, 2));
        hp.close();
        assertThrows(IllegalStateException.class, () -> hp.cpuDown(1));
        assertThrows(IllegalStateException.class, () -> hp.setupState("x", CpuHpSection.ONLINE, null, null));
        hp.close(); // idempotent
    }
}
