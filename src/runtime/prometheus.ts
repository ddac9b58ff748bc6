// Node's metrics: src/core/telemetry.ts's calls as prom-client counters and histograms, named in the manner of
// text-embeddings-inference (te_request_count -> edgeclass_request_count, ...) with Prometheus' base units
// (seconds). One registry per app, so two apps in a process (tests, benchmarks) count apart; the Node process
// metrics (heap, event loop lag, CPU) come along under the same prefix. Node-only: workerd never imports it.
import { Counter, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { BatchObservation } from '../inference/batcher.ts';
import type { MetricsTelemetry, RequestObservation } from '../core/telemetry.ts';

const PREFIX = 'edgeclass_';

/** 0.5 ms to 30 s: tokenize calls take well under a millisecond, classify runs on big batches seconds. */
const SECONDS_BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];
/** Rows per run: up to EDGECLASS_MAX_BATCH_ROWS (64 by default), more if configured. */
const ROW_BUCKETS = [1, 2, 4, 8, 16, 32, 64, 128, 256];
/** Tokens per request or run (padded): up to the 4,096-token budget and beyond. */
const TOKEN_BUCKETS = [8, 16, 32, 64, 128, 256, 512, 1024, 2048, 4096, 8192, 16384];

export interface PrometheusOptions {
  /** Node process metrics (default true). */
  processMetrics?: boolean;
}

export class PrometheusTelemetry implements MetricsTelemetry {
  readonly registry = new Registry();
  private readonly requestCount: Counter<'method' | 'route' | 'status'>;
  private readonly requestDuration: Histogram<'method' | 'route' | 'status'>;
  private readonly tokenizationDuration: Histogram<'model'>;
  private readonly inputLength: Histogram<'model'>;
  private readonly queueDuration: Histogram<'model'>;
  private readonly batchDuration: Histogram<'model'>;
  private readonly batchSize: Histogram<'model'>;
  private readonly batchTokens: Histogram<'model'>;

  constructor(options: PrometheusOptions = {}) {
    const registers = [this.registry];
    this.requestCount = new Counter({
      name: `${PREFIX}request_count`,
      help: 'HTTP requests answered, by method, route pattern and status',
      labelNames: ['method', 'route', 'status'],
      registers,
    });
    this.requestDuration = new Histogram({
      name: `${PREFIX}request_duration_seconds`,
      help: 'HTTP request duration from arrival to response, by method, route pattern and status',
      labelNames: ['method', 'route', 'status'],
      buckets: SECONDS_BUCKETS,
      registers,
    });
    this.tokenizationDuration = new Histogram({
      name: `${PREFIX}request_tokenization_duration_seconds`,
      help: "Time to tokenize one request's inputs, by model",
      labelNames: ['model'],
      buckets: SECONDS_BUCKETS,
      registers,
    });
    this.inputLength = new Histogram({
      name: `${PREFIX}request_input_length`,
      help: "Tokens in one request's tokenized inputs, by model",
      labelNames: ['model'],
      buckets: TOKEN_BUCKETS,
      registers,
    });
    this.queueDuration = new Histogram({
      name: `${PREFIX}request_queue_duration_seconds`,
      help: "Time a request's rows waited for a run of the model, by model",
      labelNames: ['model'],
      buckets: SECONDS_BUCKETS,
      registers,
    });
    this.batchDuration = new Histogram({
      name: `${PREFIX}batch_inference_duration_seconds`,
      help: 'Duration of one inference run (session.run), by model',
      labelNames: ['model'],
      buckets: SECONDS_BUCKETS,
      registers,
    });
    this.batchSize = new Histogram({
      name: `${PREFIX}batch_inference_size`,
      help: 'Rows in one inference run, by model',
      labelNames: ['model'],
      buckets: ROW_BUCKETS,
      registers,
    });
    this.batchTokens = new Histogram({
      name: `${PREFIX}batch_inference_tokens`,
      help: 'Padded tokens (rows x longest row) in one inference run, by model',
      labelNames: ['model'],
      buckets: TOKEN_BUCKETS,
      registers,
    });
    if (options.processMetrics ?? true) collectDefaultMetrics({ register: this.registry, prefix: PREFIX });
  }

  request({ method, route, status, seconds }: RequestObservation): void {
    const labels = { method, route, status: String(status) };
    this.requestCount.inc(labels);
    this.requestDuration.observe(labels, seconds);
  }

  tokenization(model: string, seconds: number, tokens: number): void {
    this.tokenizationDuration.observe({ model }, seconds);
    this.inputLength.observe({ model }, tokens);
  }

  queue(model: string, seconds: number): void {
    this.queueDuration.observe({ model }, seconds);
  }

  batch(model: string, { rows, paddedTokens, seconds }: BatchObservation): void {
    this.batchDuration.observe({ model }, seconds);
    this.batchSize.observe({ model }, rows);
    this.batchTokens.observe({ model }, paddedTokens);
  }

  async exposition(): Promise<{ contentType: string; body: string }> {
    return { contentType: this.registry.contentType, body: await this.registry.metrics() };
  }
}
