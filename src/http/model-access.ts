// Fine-tuned models (ft:<base>:<suffix>:<job id>) are their owner's, like the job that made them: a request that
// names one must carry an API key of that owner, and the job must have succeeded; to anyone else the model does
// not exist. Base models stay open to all, as before. Only where fine-tuning runs (workerd, or Node with a data
// folder); elsewhere there are no keys and a model folder copied into the models directory is served as any other.
import type { Context, MiddlewareHandler } from 'hono';
import { RequestError } from '../core/errors.ts';
import { authenticate, bearerToken } from '../jobs/keys.ts';
import { ownedFineTunedModels, ownsFineTunedModel } from '../jobs/models.ts';
import { jobsContext } from './auth.ts';
import type { AppEnv } from './deps.ts';

/** Routes whose JSON body names a model in `model`. */
const MODEL_ROUTES = new Set(['/v1/classify', '/v1/embeddings', '/v1/tokenize', '/v1/detokenize']);

async function ownerOf(c: Context<AppEnv>): Promise<string | null> {
  const token = bearerToken(c.req.header('authorization'));
  if (!token) return null;
  return (await authenticate(jobsContext(c), token))?.owner ?? null;
}

export const guardFineTunedModels: MiddlewareHandler<AppEnv> = async (c, next) => {
  if (c.req.method !== 'POST' || !MODEL_ROUTES.has(c.req.path) || !c.get('deps').jobs) return next();
  if (!(c.req.header('content-type') ?? '').toLowerCase().includes('json')) return next();
  let model: unknown;
  try {
    // Parsed once here and cached by Hono for the route's validator.
    model = ((await c.req.json()) as { model?: unknown } | null)?.model;
  } catch {
    return next(); // not JSON: the route's validator says so
  }
  if (typeof model !== 'string' || !model.startsWith('ft:')) return next();
  const owner = await ownerOf(c);
  if (!owner)
    throw new RequestError(
      'unauthenticated',
      `fine-tuned model '${model}' needs its owner's API key (Authorization: Bearer)`,
    );
  if (!(await ownsFineTunedModel(jobsContext(c), owner, model)))
    throw new RequestError(
      'model_not_found',
      `unknown model '${model}': no succeeded fine-tuning job of this key made it`,
      'model',
    );
  return next();
};

/** Which model ids the caller may see in /v1/models: every base model, and its owner's fine-tuned ones. */
export async function modelVisibility(c: Context<AppEnv>): Promise<(id: string) => boolean> {
  if (!c.get('deps').jobs) return () => true;
  const owner = await ownerOf(c);
  const own = new Set<string>();
  if (owner) {
    for (const id of await ownedFineTunedModels(jobsContext(c), owner)) own.add(id);
  }
  return (id) => !id.startsWith('ft:') || own.has(id);
}
