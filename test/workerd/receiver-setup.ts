// Runs in Node before the workerd suite: the loopback webhook receiver (test/support/webhook-receiver.ts), whose
// URL the Worker gets as the WEBHOOK_RECEIVER_URL binding (vitest.workerd.config.ts).
import type { TestProject } from 'vitest/node';
import { startWebhookReceiver } from '../support/webhook-receiver.ts';

declare module 'vitest' {
  export interface ProvidedContext {
    webhookReceiverUrl: string;
  }
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const receiver = await startWebhookReceiver();
  project.provide('webhookReceiverUrl', receiver.url);
  return () => receiver.close();
}
