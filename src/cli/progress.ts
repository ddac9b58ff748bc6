// A one-line progress bar on stderr (redrawn in place on a terminal, a line per update otherwise).

export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds)) return '?';
  const s = Math.round(seconds);
  return s >= 3600
    ? `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`
    : s >= 60
      ? `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`
      : `${s}s`;
}

export class ProgressBar {
  private lastDraw = 0;
  constructor(
    private readonly stream: NodeJS.WriteStream = process.stderr,
    private readonly minIntervalMs = 200,
  ) {}

  update(done: number, total: number, details: string, force = false): void {
    const now = Date.now();
    if (!force && now - this.lastDraw < (this.stream.isTTY ? this.minIntervalMs : 5000)) return;
    this.lastDraw = now;
    const width = 24;
    const filled = total > 0 ? Math.min(width, Math.round((done / total) * width)) : 0;
    const line = `[${'='.repeat(filled)}${filled < width ? '>' : ''}${' '.repeat(Math.max(0, width - filled - 1))}] ${done}/${total} ${details}`;
    this.stream.write(this.stream.isTTY ? `\r${line}\x1b[K` : `${line}\n`);
  }

  done(): void {
    if (this.stream.isTTY) this.stream.write('\n');
  }
}
