// The Node entry point: the same Hono app behind @hono/node-server, with models from a directory.
import { serve, type ServerType } from '@hono/node-server';
import type { AddressInfo } from 'node:net';
import { limitsFromEnv, type Limits } from '../core/limits.ts';
import { TokenizerRegistry } from '../core/tokenizers.ts';
import { createApp, type App } from '../http/app.ts';
import type { AppDeps } from '../http/deps.ts';
import { FsModelStore } from '../store/fs-store.ts';
import type { ModelStore } from '../store/model-store.ts';

export interface NodeAppOptions {
  modelsDir: string;
  limits?: Limits;
  /** Replaces the directory store (e.g. a store that pulls absent models from the Hub). */
  store?: ModelStore;
}

export function createNodeApp(options: NodeAppOptions): App {
  const store = options.store ?? new FsModelStore(options.modelsDir);
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
