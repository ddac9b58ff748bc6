// A request body that counts how much of it the receiver pulled: the proof that a server answered without reading
// what it was sent. Chunks are made on demand (nothing is held), up to `total` bytes or without end.

export interface MeteredBody {
  stream: ReadableStream<Uint8Array>;
  /** Bytes handed to the reader so far. */
  pulled(): number;
  /** Ends the body at the next pull (an endless body sent to a server that drains it would pump forever). */
  end(): void;
}

export const MiB = 1024 * 1024;

/**
 * What a runtime may pull ahead of a handler that never reads (socket and pipe buffers): far below the bodies
 * the tests send (100 MB, or endless), so an answer given after reading the body cannot stay under it.
 */
export const READ_AHEAD_ALLOWANCE = 4 * MiB;

export function meteredBody(
  total = Number.POSITIVE_INFINITY,
  chunkBytes = 64 * 1024,
  stallAfter?: number,
): MeteredBody {
  let pulled = 0;
  let ended = false;
  const stream = new ReadableStream<Uint8Array>({
    pull(controller) {
      // A sender that goes quiet without ending: the reader waits for ever.
      if (stallAfter !== undefined && pulled >= stallAfter && !ended) return new Promise<void>(() => {});
      if (ended || pulled >= total) {
        controller.close();
        return;
      }
      const n = Math.min(chunkBytes, total - pulled);
      pulled += n;
      controller.enqueue(new Uint8Array(n).fill(0x61));
    },
  });
  return {
    stream,
    pulled: () => pulled,
    end: () => {
      ended = true;
    },
  };
}
