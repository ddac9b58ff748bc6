// A local HTTP server speaking the OpenAI chat-completions protocol (POST /v1/chat/completions), the one stand-in
// allowed for the remote LLM: the real API is outside. Requests are checked as OpenAI checks them (Bearer key,
// model, messages, response_format) and recorded; each answer comes from a script: a valid or off-label message,
// malformed content, an error status (with Retry-After), a body that is not the protocol, or a delay.
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export type FakeReply =
  /** 200, a chat.completion whose choices[0].message.content is `content`. */
  | { content: string; finishReason?: string }
  /** An error status with OpenAI's error body (or `body`), and headers such as retry-after. */
  | { status: number; message?: string; headers?: Record<string, string>; body?: string }
  /** A 200 whose body is not a chat.completion (e.g. not JSON at all). */
  | { raw: string }
  /** `then`, after `delayMs` (the client may give up first). */
  | { delayMs: number; then: FakeReply };

export interface ChatBody {
  model: string;
  messages: { role: string; content: string }[];
  temperature?: number;
  max_tokens?: number;
  response_format?: { type: string; json_schema?: { name: string; schema: any; strict?: boolean } };
  [key: string]: unknown;
}

export interface RecordedRequest {
  authorization: string | undefined;
  body: ChatBody;
  /** The server answered it (a delayed reply whose client went away first is never answered). */
  answered: boolean;
  /** The client closed the connection before the answer. */
  abandoned: boolean;
}

export interface FakeOpenAi {
  /** Base URL, ending in /v1. */
  baseUrl: string;
  requests: RecordedRequest[];
  /** Replaces the script. */
  setReply(reply: (body: ChatBody, n: number) => FakeReply): void;
  close(): Promise<void>;
}

/** The text the client asked about: what classificationMessages puts between triple quotes. */
export function askedText(body: ChatBody): string {
  const user = body.messages.find((m) => m.role === 'user')?.content ?? '';
  return /"""\n([\s\S]*)\n"""/.exec(user)?.[1] ?? '';
}

/** Replies in order, the last one repeated. */
export function inOrder(...replies: FakeReply[]): (body: ChatBody, n: number) => FakeReply {
  return (_, n) => replies[Math.min(n, replies.length - 1)];
}

function openAiError(
  status: number,
  message: string,
  type = status === 401 ? 'invalid_request_error' : status >= 500 ? 'server_error' : 'invalid_request_error',
) {
  return JSON.stringify({ error: { message, type, param: null, code: status === 401 ? 'invalid_api_key' : null } });
}

function invalidBody(body: any): string | null {
  if (!body || typeof body !== 'object') return 'the body must be a JSON object';
  if (typeof body.model !== 'string' || !body.model) return "'model' is a required property";
  if (!Array.isArray(body.messages) || body.messages.length === 0) return "'messages' must be a non-empty array";
  for (const m of body.messages) {
    if (!m || !['system', 'user', 'assistant', 'tool', 'developer'].includes(m.role) || typeof m.content !== 'string')
      return 'each message needs a role and string content';
  }
  if (
    body.temperature !== undefined &&
    (typeof body.temperature !== 'number' || body.temperature < 0 || body.temperature > 2)
  )
    return "'temperature' must be in [0, 2]";
  const rf = body.response_format;
  if (rf !== undefined) {
    if (rf.type === 'json_schema') {
      if (!rf.json_schema || typeof rf.json_schema.name !== 'string' || typeof rf.json_schema.schema !== 'object')
        return "response_format json_schema needs 'name' and 'schema'";
    } else if (rf.type === 'json_object') {
      // OpenAI refuses JSON mode unless a message mentions JSON.
      if (!body.messages.some((m: { content: string }) => /json/i.test(m.content)))
        return "'messages' must contain the word 'json' to use response_format json_object";
    } else if (rf.type !== 'text') return `response_format type '${rf.type}' is not supported`;
  }
  return null;
}

export async function startFakeOpenAi(options: {
  apiKey?: string;
  reply: (body: ChatBody, n: number) => FakeReply;
}): Promise<FakeOpenAi> {
  let script = options.reply;
  const requests: RecordedRequest[] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const send = (status: number, body: string, headers: Record<string, string> = {}) => {
        if (res.destroyed) return;
        res.writeHead(status, { 'content-type': 'application/json', ...headers });
        res.end(body);
      };
      if (req.method !== 'POST' || req.url !== '/v1/chat/completions')
        return send(404, openAiError(404, `Unknown request URL: ${req.method} ${req.url}`));
      if (options.apiKey !== undefined && req.headers.authorization !== `Bearer ${options.apiKey}`) {
        return send(
          401,
          openAiError(
            401,
            'Incorrect API key provided. You can find your API key at https://platform.openai.com/account/api-keys.',
          ),
        );
      }
      let body: ChatBody;
      try {
        body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
      } catch {
        return send(400, openAiError(400, 'We could not parse the JSON body of your request.'));
      }
      const problem = invalidBody(body);
      if (problem) return send(400, openAiError(400, problem));
      const n = requests.length;
      const recorded: RecordedRequest = {
        authorization: req.headers.authorization,
        body,
        answered: false,
        abandoned: false,
      };
      requests.push(recorded);
      res.on('close', () => {
        if (!res.writableFinished) recorded.abandoned = true;
      });
      const answer = (reply: FakeReply): void => {
        if ('delayMs' in reply) {
          const timer = setTimeout(() => answer(reply.then), reply.delayMs);
          res.on('close', () => clearTimeout(timer));
          return;
        }
        recorded.answered = !res.destroyed;
        if ('raw' in reply) {
          send(200, reply.raw);
          return;
        }
        if ('status' in reply) {
          send(
            reply.status,
            reply.body ?? openAiError(reply.status, reply.message ?? `status ${reply.status}`),
            reply.headers,
          );
          return;
        }
        send(
          200,
          JSON.stringify({
            id: `chatcmpl-fake${n}`,
            object: 'chat.completion',
            created: Math.floor(Date.now() / 1000),
            model: body.model,
            choices: [
              {
                index: 0,
                message: { role: 'assistant', content: reply.content, refusal: null },
                logprobs: null,
                finish_reason: reply.finishReason ?? 'stop',
              },
            ],
            usage: { prompt_tokens: 10, completion_tokens: 5, total_tokens: 15 },
          }),
        );
      };
      answer(script(body, n));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    baseUrl: `http://127.0.0.1:${port}/v1`,
    requests,
    setReply(reply) {
      script = reply;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
