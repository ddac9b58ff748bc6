// How a setting is set, for the error messages that name one: an answer that says "set X" is only useful if it also
// says where, and the places differ by how the app runs.

/** `EDGECLASS_X=value`, and the ways to give it: the environment (npm start, serve), .dev.vars, wrangler. */
export function howToSet(name: string, value: string, kind: 'var' | 'secret' = 'var'): string {
  const deployed = kind === 'secret' ? `\`wrangler secret put ${name}\`` : 'a [vars] entry of wrangler.toml';
  return (
    `set ${name}=${value}: in the environment of \`npm start\` or \`edgeclass serve\`, ` +
    `in .dev.vars for \`wrangler dev\`, ${deployed} when deployed`
  );
}
