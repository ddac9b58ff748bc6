// Replay refusal for signed worker-protocol calls: a nonce is taken once. It is kept until its request's timestamp
// leaves the signature window (after that the timestamp alone refuses the request), so the table holds at most one
// window's worth of calls; expired rows go with each insert, through the expiry index.
import type { JobsContext } from './context.ts';
import { SIGNATURE_TOLERANCE_SECONDS } from './protocol.ts';

/**
 * Records the nonce of a verified request signed at `timestamp` (unix seconds); false when it was already taken
 * (a replay).
 */
export async function takeNonce(ctx: JobsContext, nonce: string, timestamp: number): Promise<boolean> {
  const now = ctx.now();
  // One second more than the window: a request signed at the window's edge is refused by its timestamp first.
  const expiresAt = (timestamp + SIGNATURE_TOLERANCE_SECONDS + 1) * 1000;
  return ctx.nonces.take(nonce, Math.max(expiresAt, now), now);
}
