// The request size limit, enforced as the body is read rather than before the route runs. Hono's bodyLimit reads
// (and buffers) a body of undeclared length in full before the route, so a route that refuses a call from its
// headers (an unknown trigger, a bad signature) still read up to the limit first. Here a declared content-length
// over the limit is refused at once; a body without one is counted as the route pulls it, and the route's read
// fails with 413 past the limit. A route that never reads the body never pulls it.
import type { Context, MiddlewareHandler } from 'hono';
import type { AppEnv } from './deps.ts';

class BodyTooLargeError extends Error {
  constructor(readonly maxSize: number) {
    super(`the body exceeds ${maxSize} bytes`);
    this.name = 'BodyTooLargeError';
  }
}

/**
 * A stream that passes `body` through as it is pulled, erroring (and calling `exceeded`) once more than `maxSize`
 * bytes came.
 */
function countedBody(
  body: ReadableStream<Uint8Array>,
  maxSize: number,
  exceeded: () => void,
): ReadableStream<Uint8Array> {
  let size = 0;
  return body.pipeThrough(
    new TransformStream<Uint8Array, Uint8Array>({
      transform(chunk, controller) {
        size += chunk.byteLength;
        if (size <= maxSize) return controller.enqueue(chunk);
        exceeded();
        controller.error(new BodyTooLargeError(maxSize));
      },
    }),
  );
}

export function lazyBodyLimit(
  maxSizeOf: (c: Context<AppEnv>) => number,
  onError: (c: Context<AppEnv>, maxSize: number) => Response,
): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const body = c.req.raw.body;
    if (!body) return next();
    const maxSize = maxSizeOf(c);
    const declared = c.req.raw.headers.get('content-length');
    if (declared !== null && !c.req.raw.headers.has('transfer-encoding')) {
      // The runtime holds the body to its declared length.
      return Number(declared) > maxSize ? onError(c, maxSize) : next();
    }
    let tooLarge = false;
    const counted = countedBody(body, maxSize, () => {
      tooLarge = true;
    });
    c.req.raw = new Request(c.req.raw, { body: counted, duplex: 'half' } as RequestInit);
    await next();
    // Whatever the route made of the failed read (a parse error, a 500), the answer is the limit's.
    if (tooLarge) c.res = onError(c, maxSize);
  };
}
