// What both page scripts build their DOM with: an element by id, and el(), which makes an element with its
// attributes and children in one expression (the pages build tables, chips and forms from API answers).

/** An element of the page by id; the page's markup (src/http/web/*.tsx) says which kind it is. */
export function byId<T extends HTMLElement = HTMLElement>(id: string): T {
  const node = document.getElementById(id);
  if (!node) throw new Error(`the page has no #${id}`);
  return node as T;
}

/** The value of an input, textarea or select of the page. */
export function fieldValue(id: string): string {
  return byId<HTMLInputElement>(id).value;
}

export type Attrs = Record<string, string | number | boolean | undefined>;
export type Child = Node | string | null | undefined;

/** Names set as attributes; class and text have their own properties; anything else is an element property. */
const AS_ATTRIBUTE = new Set(['href', 'id', 'for', 'title', 'style']);

export function el<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attrs: Attrs = {},
  children: Child[] = [],
): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (value === undefined) continue;
    if (key === 'class') node.className = String(value);
    else if (key === 'text') node.textContent = String(value);
    else if (key.startsWith('data-') || AS_ATTRIBUTE.has(key)) node.setAttribute(key, String(value));
    else Reflect.set(node, key, value);
  }
  for (const child of children) {
    if (child != null) node.appendChild(typeof child === 'string' ? document.createTextNode(child) : child);
  }
  return node;
}
