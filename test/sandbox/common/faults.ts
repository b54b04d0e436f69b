import type { RequestHandler, Response } from 'express';
import { sampleLatencyMs } from './prng';
import type { FaultConfig } from './sandbox.types';

export const NO_FAULTS: FaultConfig = {
  latency: { kind: 'none' },
  errorRates: {},
  hangRate: 0,
  resetAfterCommitRate: 0,
  batchRecordFailureRate: 0,
};

const CONTROL_PATH = /^\/__sandbox/;

/** Runtime-adjustable faults for one sandbox. Dice come from the sandbox's seeded rng, so a run is repeatable. */
export class FaultInjector {
  config: FaultConfig;

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
      const delay = sampleLatencyMs(this.config.latency, this.rng);
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
}
