// Shared by bench/load-tokenize.ts and bench/load-classify.ts: one autocannon run of POSTs to a route, the bodies
// taken in turn, and the figures the load tables print.
import autocannon from 'autocannon';

export interface LoadResult {
  p50: number;
  p99: number;
  rps: number;
  non2xx: number;
  errors: number;
}

/** POSTs `bodies` (JSON strings, round robin) to `url` for `seconds` over `connections`; `timeout` in seconds (autocannon's default 10). */
export function load(
  url: string,
  bodies: string[],
  seconds: number,
  connections: number,
  o: { timeout?: number } = {},
): Promise<LoadResult> {
  let next = 0;
  return new Promise((resolve, reject) => {
    autocannon(
      {
        url,
        connections,
        duration: seconds,
        ...(o.timeout !== undefined ? { timeout: o.timeout } : {}),
        requests: [
          {
            method: 'POST',
            headers: { 'content-type': 'application/json' },
            setupRequest: (req: any) => ({ ...req, body: bodies[next++ % bodies.length] }),
          },
        ],
      },
      (err: Error | null, r: any) => {
        if (err) return reject(err);
        resolve({
          p50: r.latency.p50,
          p99: r.latency.p99,
          rps: r.requests.average,
          non2xx: r.non2xx,
          errors: r.errors,
        });
      },
    );
  });
}
