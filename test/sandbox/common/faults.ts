import type { RequestHandler, Response } from 'express';
import { createHash } from 'node:crypto';
import { canonicalJson } from './journal';
import { sampleLatencyMs, uniformsFromKey } from './prng';
import type { FaultConfig } from './sandbox.types';

export const NO_FAULTS: FaultConfig = {
  latency: { kind: 'none' },
  errorRates: {},
  hangRate: 0,
  resetAfterCommitRate: 0,
  batchRecordFailureRate: 0,
  batchRecordRejectRate: 0,
};

/** A stable number in [0, 1) for a record key: the same key always gets the same verdict. */
function keyFraction(key: string): number {
  return createHash('sha256').update(key, 'utf8').digest().readUInt32BE(0) / 2 ** 32;
}

const CONTROL_PATH = /^\/__sandbox/;

/** Runtime-adjustable faults for one sandbox. Dice come from the sandbox's seeded rng, so a run is repeatable. */
export class FaultInjector {
  config: FaultConfig;
  private readonly rejected = new Set<string>();

  constructor(
    private readonly initial: Partial<FaultConfig>,
    private readonly rng: () => number,
  ) {
    this.config = { ...NO_FAULTS, ...initial };
  }

  set(patch: Partial<FaultConfig>): void {
    this.config = { ...this.config, ...patch };
  }

  reset(): void {
    this.config = { ...NO_FAULTS, ...this.initial };
  }

  private applies(path: string): boolean {
    if (CONTROL_PATH.test(path)) {
      return false;
    }
    return this.config.pathFilter ? this.config.pathFilter.test(path) : true;
  }

  middleware(renderError: (res: Response, status: number) => void): RequestHandler {
    return (req, res, next) => {
      if (!this.applies(req.originalUrl.split('?')[0] ?? req.path)) {
        next();
        return;
      }
      const { hangRate, errorRates } = this.config;
      if (hangRate > 0 && this.rng() < hangRate) {
        // Never answer: the client's own timeout is what is under test. stop() destroys the socket.
        return;
      }
      const latency = this.config.latency;
      const delay = sampleLatencyMs(
        latency,
        latency.kind === 'lognormal' && latency.perRequest
          ? uniformsFromKey(`${req.method} ${req.originalUrl} ${req.body === undefined ? '' : canonicalJson(req.body)}`)
          : this.rng,
      );
      const proceed = (): void => {
        for (const [status, rate] of Object.entries(errorRates)) {
          if (rate > 0 && this.rng() < rate) {
            renderError(res, Number(status));
            return;
          }
        }
        next();
      };
      if (delay > 0) {
        // unref: a delayed request must not keep a test process alive after the sandbox stopped.
        setTimeout(proceed, delay).unref();
      } else {
        proceed();
      }
    };
  }

  resetAfterCommit(res: Response): boolean {
    const rate = this.config.resetAfterCommitRate;
    if (rate <= 0 || !this.applies(res.req.originalUrl.split('?')[0] ?? res.req.path) || this.rng() >= rate) {
      return false;
    }
    res.socket?.destroy();
    return true;
  }

  shouldFailRecord(): boolean {
    const rate = this.config.batchRecordFailureRate;
    return rate > 0 && this.rng() < rate;
  }

  /**
   * True when the record with this key is one `batchRecordRejectRate` refuses: by key, so a retry of the record is
   * refused again (a validation rule the record breaks), while the dice of shouldFailRecord change per attempt.
   */
  rejectsRecord(key: string | undefined): boolean {
    const rate = this.config.batchRecordRejectRate;
    if (rate <= 0 || key === undefined || keyFraction(key) >= rate) {
      return false;
    }
    this.rejected.add(key);
    return true;
  }

  /** Every key rejectsRecord refused so far. */
  rejectedKeys(): string[] {
    return [...this.rejected];
  }
}
