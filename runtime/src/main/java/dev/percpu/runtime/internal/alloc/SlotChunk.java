package dev.percpu.runtime.internal.alloc;

import java.util.Objects;

/**
 * A chunk as {@link ChunkSlots} keeps it: the {@link BitmapChunk} metadata, the caller's payload
 * (the runtime attaches the chunk's memory), a dense id and the slot list it is in. The list
 * links are intrusive, so moving a chunk between slots allocates nothing.
 *
 * <p>Not thread-safe: read and change it only under the lock that serializes its
 * {@link ChunkSlots}. Allocate and free through {@link ChunkSlots}, never through
 * {@link #chunk()} directly, or the chunk sits in the wrong slot.
 *
 * @param <T> the payload's type
 */
public final class SlotChunk<T> {

    private final BitmapChunk chunk;
    private final T payload;
    int id = -1;
    int slot = -1;
    SlotChunk<T> prev;
    SlotChunk<T> next;

    SlotChunk(BitmapChunk chunk, T payload) {
        this.chunk = Objects.requireNonNull(chunk, "chunk");
        this.payload = payload;
    }

    /** @return the allocation metadata */
    public BitmapChunk chunk() {
        return chunk;
    }

    /** @return what the caller attached (may be null) */
    public T payload() {
        return payload;
    }

    /** @return the id {@link ChunkSlots} gave it, or -1 once removed */
    public int id() {
        return id;
    }

    /** @return the slot list it is in, or -1 once removed */
    public int slot() {
        return slot;
    }

    /** @return the id, the slot and the chunk's summary */
    @Override
    public String toString() {
        return "SlotChunk[id=" + id + " slot=" + slot + " " + chunk + "]";
    }
}
