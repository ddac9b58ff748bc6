// What the service reports about its own work, as plain calls: the HTTP layer (requests), the core (tokenization)
// and the Node batcher (queue waits, runs). The Node runtime turns them into Prometheus metrics
// (src/runtime/prometheus.ts); in workerd nothing listens (Workers have their own analytics), so every call site
// treats the sink as optional and pays nothing without one.
import type { BatchObservation } from '../inference/batcher.ts';

export interface RequestObservation {
  method: string;
  /** The route pattern (`/v1/fine_tuning/jobs/:fine_tuning_job_id`), never the raw path; 'unmatched' for 404s. */
  route: string;
  status: number;
  seconds: number;
}

export interface Telemetry {
  request(observation: RequestObservation): void;
  /** One request's inputs tokenized (the /v1/tokenize call, or the rows of a classify or embeddings request). */
  tokenization(model: string, seconds: number, tokens: number): void;
  /** How long a request's rows waited for a run of the model to take them. */
  queue(model: string, seconds: number): void;
  /** One run of a model's session. */
  batch(model: string, observation: BatchObservation): void;
}

/** A Telemetry that also renders what it collected: GET /metrics. */
export interface MetricsTelemetry extends Telemetry {
  /** The Prometheus text exposition format. */
  exposition(): Promise<{ contentType: string; body: string }>;
}

/** Seconds since `start` (a performance.now() reading). */
export function secondsSince(start: number): number {
  return (performance.now() - start) / 1000;
}
