import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { callDeadline } from './call-deadline';

// A real collector run is the point of the first test: the bug only shows once the timeout signal was collected.
setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

async function collectingFor(ms: number): Promise<void> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    gc();
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

describe('callDeadline', () => {
  it('aborts at the deadline even when garbage collection runs meanwhile (AbortSignal.any + timeout does not)', async () => {
    const caller = new AbortController();
    const signal = callDeadline(100, caller.signal);
    await collectingFor(400);
    expect(signal.aborted).toBe(true);
    expect((signal.reason as DOMException).name).toBe('TimeoutError');
  });

  it("aborts when the caller aborts, with the caller's reason", () => {
    const caller = new AbortController();
    const signal = callDeadline(60_000, caller.signal);
    expect(signal.aborted).toBe(false);
    caller.abort(new Error('worker shutting down'));
    expect(signal.aborted).toBe(true);
    expect((signal.reason as Error).message).toBe('worker shutting down');
  });

  it('works without a caller signal', async () => {
    const signal = callDeadline(20);
    await collectingFor(100);
    expect(signal.aborted).toBe(true);
  });
});
