/**
 * The signal a CRM call runs under: aborts with a TimeoutError (as AbortSignal.timeout does) once `ms` passed, or
 * as soon as `caller` aborts.
 *
 * Not `AbortSignal.any([AbortSignal.timeout(ms), caller])`: there, nothing holds the timeout signal strongly (its
 * timer and the combined signal keep weak references), so on Node 20 a garbage collection can take it and the
 * combined signal never aborts. A CRM that stops answering then holds the call (and the job's worker slot) until
 * undici's own 300-second header timeout, not until the deadline. Here the timer holds the controller, so the
 * deadline fires whatever the collector does.
 */
export function callDeadline(ms: number, caller?: AbortSignal): AbortSignal {
  const controller = new AbortController();
  const timer = setTimeout(
    () => controller.abort(new DOMException('The operation was aborted due to timeout', 'TimeoutError')),
    ms,
  );
  // A pending deadline must not keep a process alive that has nothing else to do.
  timer.unref();
  if (!caller) {
    return controller.signal;
  }
  const signal = AbortSignal.any([controller.signal, caller]);
  signal.addEventListener('abort', () => clearTimeout(timer), { once: true });
  return signal;
}
