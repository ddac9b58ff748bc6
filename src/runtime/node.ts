// The Node entry point: the same Hono app behind @hono/node-server, with models from a directory.
import { serve, type ServerType } from '@hono/node-server';
import type { AddressInfo } from 'node:net';
import { limitsFromEnv, type Limits } from '../core/limits.ts';
import { TokenizerRegistry } from '../core/tokenizers.ts';
import { createApp, type App } from '../http/app.ts';
import type { AppDeps } from '../http/deps.ts';
import { FsModelStore } from '../store/fs-store.ts';
import type { ModelStore } from '../store/model-store.ts';
import { PullingModelStore, type PullingOptions } from '../store/pulling-store.ts';

export interface NodeAppOptions {
  modelsDir: string;
  limits?: Limits;
  /** Pulling absent models from the Hub; default from HF_ENDPOINT, HF_TOKEN and HF_HUB_OFFLINE. */
  pull?: PullingOptions;
  /** Replaces the directory store altogether. */
  store?: ModelStore;
}

function pullOptionsFromEnv(env: NodeJS.ProcessEnv): PullingOptions {
  const offline = env.HF_HUB_OFFLINE !== undefined && !['', '0', 'false'].includes(env.HF_HUB_OFFLINE.toLowerCase());
  return { endpoint: env.HF_ENDPOINT || undefined, token: env.HF_TOKEN || undefined, offline };
}

export function createNodeApp(options: NodeAppOptions): App {
  const store = options.store ?? new PullingModelStore(new FsModelStore(options.modelsDir), options.pull ?? pullOptionsFromEnv(process.env));
  const deps: AppDeps = {
    store,
    tokenizers: new TokenizerRegistry(store),
    limits: options.limits ?? limitsFromEnv(process.env),
    runtime: 'node',
  };
  return createApp(() => deps);
}

export interface RunningServer {
  url: string;
  server: ServerType;
  close(): Promise<void>;
}

export function startNodeServer(options: NodeAppOptions & { port?: number; host?: string }): Promise<RunningServer> {
  const app = createNodeApp(options);
  const host = options.host ?? '127.0.0.1';
  return new Promise((resolve, reject) => {
    const server = serve({ fetch: app.fetch, port: options.port ?? 8787, hostname: host }, (info: AddressInfo) => {
      resolve({
        url: `http://${host.includes(':') ? `[${host}]` : host}:${info.port}`,
        server,
        close: () => new Promise<void>((done) => server.close(() => done())),
      });
    });
    server.once('error', reject);
  });
}
