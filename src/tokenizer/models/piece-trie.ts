// A trie over the UTF-16 units of vocabulary pieces, in typed arrays: (node, unit) -> child through an
// open-addressing hash table, so 250,000 pieces cost a few MB instead of a Map per node.
export class PieceTrie {
  private capacity = 1 << 16;
  private keysNode = new Int32Array(this.capacity).fill(-1);
  private keysUnit = new Uint16Array(this.capacity);
  private children = new Int32Array(this.capacity);
  private size = 0;
  /** Node -> id of the piece ending there, or -1. */
  private ids = new Int32Array(1024).fill(-1);
  private nodes = 1;

  insert(piece: string, id: number): void {
    let node = 0;
    for (let i = 0; i < piece.length; i++) {
      const unit = piece.charCodeAt(i);
      let child = this.child(node, unit);
      if (child < 0) child = this.addChild(node, unit);
      node = child;
    }
    if (piece.length) this.ids[node] = id;
  }

  /** Calls found(end, id) for every piece that starts at `start` in `text`, shortest first. */
  prefixes(text: string, start: number, found: (end: number, id: number) => void): void {
    let node = 0;
    for (let i = start; i < text.length; i++) {
      node = this.child(node, text.charCodeAt(i));
      if (node < 0) return;
      const id = this.ids[node];
      if (id >= 0) found(i + 1, id);
    }
  }

  private slot(node: number, unit: number): number {
    const mask = this.capacity - 1;
    let slot = (Math.imul(node, 0x9e3779b1) ^ Math.imul(unit + 1, 0x85ebca6b)) & mask;
    while (this.keysNode[slot] !== -1 && (this.keysNode[slot] !== node || this.keysUnit[slot] !== unit))
      slot = (slot + 1) & mask;
    return slot;
  }

  private child(node: number, unit: number): number {
    const slot = this.slot(node, unit);
    return this.keysNode[slot] === -1 ? -1 : this.children[slot];
  }

  private addChild(node: number, unit: number): number {
    if ((this.size + 1) * 2 > this.capacity) this.grow();
    const child = this.nodes++;
    if (child >= this.ids.length) {
      const ids = new Int32Array(this.ids.length * 2).fill(-1);
      ids.set(this.ids);
      this.ids = ids;
    }
    const slot = this.slot(node, unit);
    this.keysNode[slot] = node;
    this.keysUnit[slot] = unit;
    this.children[slot] = child;
    this.size++;
    return child;
  }

  private grow(): void {
    const [nodes, units, children] = [this.keysNode, this.keysUnit, this.children];
    this.capacity *= 2;
    this.keysNode = new Int32Array(this.capacity).fill(-1);
    this.keysUnit = new Uint16Array(this.capacity);
    this.children = new Int32Array(this.capacity);
    for (let s = 0; s < nodes.length; s++) {
      if (nodes[s] === -1) continue;
      const slot = this.slot(nodes[s], units[s]);
      this.keysNode[slot] = nodes[s];
      this.keysUnit[slot] = units[s];
      this.children[slot] = children[s];
    }
  }
}
