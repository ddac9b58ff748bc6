// Plain-text tables for the CLI's list commands (`edgeclass models list`, `edgeclass jobs list`).

/** A fixed-width table: each column as wide as its widest cell, two spaces between columns, the last one unpadded. */
export function formatTable(header: string[], rows: string[][]): string {
  const widths = header.map((h, column) => Math.max(h.length, ...rows.map((row) => row[column].length)));
  const line = (cells: string[]) =>
    cells
      .map((cell, i) => (i === cells.length - 1 ? cell : cell.padEnd(widths[i])))
      .join('  ')
      .trimEnd();
  return `${[header, ...rows].map(line).join('\n')}\n`;
}
