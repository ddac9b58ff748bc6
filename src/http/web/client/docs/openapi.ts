// The OpenAPI 3.1 document the reference page renders: the parts it reads, and the schema helpers ($ref
// resolution, a type's one-line name, an example built from a schema) over the loaded document.

/** A schema object or a $ref to one: the page reads whatever keywords it finds. */
export type Schema = Record<string, any>;

export interface Parameter {
  name: string;
  in: string;
  required?: boolean;
  description?: string;
  schema?: Schema;
}

export interface Media {
  schema?: Schema;
  example?: unknown;
  examples?: Record<string, { value: unknown }>;
}

export interface Operation {
  summary?: string;
  description?: string;
  tags?: string[];
  security?: Record<string, string[]>[];
  parameters?: Parameter[];
  requestBody?: { content?: Record<string, Media> };
  responses?: Record<string, { description?: string; content?: Record<string, Media> }>;
}

export interface OpenApiDocument {
  openapi: string;
  info: { title: string; version: string; description?: string };
  tags?: { name: string }[];
  paths?: Record<string, Record<string, Operation>>;
}

let doc: OpenApiDocument | null = null;

export function useDocument(loaded: OpenApiDocument): void {
  doc = loaded;
}

/** The object a $ref points to (through up to 20 hops), or the value itself; {} for nothing. */
export function resolve<T = Schema>(value: any): T {
  let seen = 0;
  while (value?.$ref && seen++ < 20) {
    const parts: string[] = value.$ref.replace(/^#\//, '').split('/');
    value = parts.reduce<any>((o, p) => (o ? o[p] : undefined), doc);
  }
  return value || {};
}

export function refName(schema: Schema | undefined): string | null {
  return schema?.$ref ? (schema.$ref.split('/').pop() ?? null) : null;
}

/** A TypeScript-like name of a schema's type: "string | null", "Job[]", "map of string". */
export function typeOf(schema: Schema): string {
  const s = resolve(schema);
  if (s.const !== undefined) return JSON.stringify(s.const);
  if (s.enum) return s.enum.map((v: unknown) => JSON.stringify(v)).join(' | ');
  const alts: Schema[] | undefined = s.anyOf || s.oneOf;
  if (alts) return alts.map(typeOf).join(' | ');
  const t = Array.isArray(s.type) ? s.type.join(' | ') : s.type;
  if (t === 'array' && s.prefixItems) return `[${s.prefixItems.map(typeOf).join(', ')}]`;
  if (t === 'array') {
    const item = refName(s.items) || typeOf(s.items || {});
    return `${item.includes(' | ') ? `(${item})` : item}[]`;
  }
  if (t === 'object' && !s.properties && s.additionalProperties) return `map of ${typeOf(s.additionalProperties)}`;
  return refName(schema) || t || 'any';
}

/** The example of an object schema: its required properties and those with an example. */
function objectExample(s: Schema, depth: number): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const required: string[] = s.required || [];
  for (const key of Object.keys(s.properties || {})) {
    const p = resolve(s.properties[key]);
    if (required.includes(key) || p.example !== undefined) out[key] = exampleOf(p, depth + 1);
  }
  return out;
}

/** An example for a schema: its own example, else one built from its properties' examples. */
export function exampleOf(schema: Schema, depth = 0): unknown {
  const s = resolve(schema);
  if (s.example !== undefined) return s.example;
  if (Array.isArray(s.examples) && s.examples.length) return s.examples[0];
  if (s.default !== undefined) return s.default;
  if (s.const !== undefined) return s.const;
  if (s.enum) return s.enum[0];
  if (depth > 6) return null;
  const alts: Schema[] | undefined = s.anyOf || s.oneOf;
  if (alts) return exampleOf(alts.find((a) => resolve(a).type !== 'null') || alts[0], depth + 1);
  const t = Array.isArray(s.type) ? s.type.find((x: string) => x !== 'null') : s.type;
  if (t === 'object' || s.properties) return objectExample(s, depth);
  if (t === 'array' && s.prefixItems) return s.prefixItems.map((p: Schema) => exampleOf(p, depth + 1));
  if (t === 'array') return [exampleOf(s.items || {}, depth + 1)];
  if (t === 'string') return s.format === 'binary' ? '<bytes>' : 'string';
  if (t === 'integer' || t === 'number') return s.minimum !== undefined ? s.minimum : 0;
  if (t === 'boolean') return false;
  return null;
}

/** A media type's example: its own, its first named one, else one built from its schema. */
export function mediaExample(media: Media | undefined): unknown {
  if (!media) return undefined;
  if (media.example !== undefined) return media.example;
  if (media.examples) {
    const first = Object.keys(media.examples)[0];
    if (first) return media.examples[first].value;
  }
  return media.schema ? exampleOf(media.schema) : undefined;
}

export function pretty(value: unknown): string {
  return typeof value === 'string' ? value : JSON.stringify(value, null, 2);
}
