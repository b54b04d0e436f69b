/**
 * How the demo talks to the person watching: numbered steps, what was sent, what came back, links. Every value
 * printed comes from a real response; a failed check fails its step (and `--once` exits non-zero) instead of being
 * printed as if it had worked.
 */
export interface StepResult {
  title: string;
  ok: boolean;
  ms: number;
  error?: string;
}

/** A check that did not hold: the step fails with this message. */
export class CheckFailed extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CheckFailed';
  }
}

export function check(condition: unknown, message: string): asserts condition {
  if (!condition) {
    throw new CheckFailed(message);
  }
}

export class Reporter {
  readonly results: StepResult[] = [];

  constructor(private readonly write: (text: string) => void) {}

  heading(text: string): void {
    this.write(`\n${text}\n${'='.repeat(Math.min(text.length, 100))}\n`);
  }

  /** One line, indented by level (2 spaces each). */
  line(text: string, level = 1): void {
    this.write(`${'  '.repeat(level)}${text}\n`);
  }

  /** A request about to be sent: `→ POST /v1/enrich {…}`. */
  sent(method: string, path: string, detail?: string): void {
    this.line(`→ ${method} ${path}${detail ? ` ${detail}` : ''}`);
  }

  /** Its answer: `← 202 …`. */
  got(status: number, detail?: string, ms?: number): void {
    this.line(`← ${status}${ms === undefined ? '' : ` (${ms} ms)`}${detail ? ` ${detail}` : ''}`);
  }

  link(label: string, url: string, level = 2): void {
    this.line(`${label}: ${url}`, level);
  }

  /** Runs one step; a thrown error (a failed check, a timeout, an HTTP error) marks it failed and is printed. */
  async step(title: string, run: () => Promise<void>): Promise<boolean> {
    this.write(`\n▶ ${title}\n`);
    const started = Date.now();
    try {
      await run();
      const ms = Date.now() - started;
      this.results.push({ title, ok: true, ms });
      this.line(`✓ ${title} (${(ms / 1000).toFixed(1)} s)`, 0);
      return true;
    } catch (error) {
      const ms = Date.now() - started;
      const message = error instanceof Error ? error.message : String(error);
      this.results.push({ title, ok: false, ms, error: message });
      this.line(`✗ ${title} FAILED: ${message}`, 0);
      return false;
    }
  }

  get failed(): StepResult[] {
    return this.results.filter((result) => !result.ok);
  }
}

/** JSON for one line of output, cut to `max` characters so a long body does not flood the terminal. */
export function brief(value: unknown, max = 160): string {
  const text = typeof value === 'string' ? value : JSON.stringify(value);
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}
