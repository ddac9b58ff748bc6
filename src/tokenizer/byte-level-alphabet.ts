// GPT-2's byte-level alphabet: every byte maps to a printable character, so byte sequences are strings that BPE
// vocabularies can hold. Printable Latin-1 bytes map to themselves, the other 68 to U+0100 onwards, in byte order.

export const BYTE_TO_CHAR: string[] = new Array(256);
export const CHAR_TO_BYTE = new Map<string, number>();

{
  const printable = (b: number) => (b >= 0x21 && b <= 0x7e) || (b >= 0xa1 && b <= 0xac) || (b >= 0xae && b <= 0xff);
  let next = 0;
  for (let b = 0; b < 256; b++) {
    const ch = String.fromCharCode(printable(b) ? b : 0x100 + next++);
    BYTE_TO_CHAR[b] = ch;
    CHAR_TO_BYTE.set(ch, b);
  }
}
