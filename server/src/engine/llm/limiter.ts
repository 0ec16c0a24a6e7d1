/** Bounded concurrency plus a requests-per-minute window, per provider. Waiting is cancellable. */
import { sleep } from './backoff';

export class RateLimiter {
  private active = 0;
  private readonly waiting: Array<() => void> = [];
  /** Start times of the requests of the last minute. */
  private readonly starts: number[] = [];

  constructor(
    private readonly maxConcurrency: number,
    private readonly perMinute: number,
    private readonly now: () => number = Date.now,
  ) {}

  /** Resolves with a release function once a slot is free and the minute's quota allows another request. */
  async acquire(signal?: AbortSignal): Promise<() => void> {
    if (this.active >= this.maxConcurrency) {
      await new Promise<void>((resolve, reject) => {
        const go = () => {
          signal?.removeEventListener('abort', onAbort);
          resolve();
        };
        const onAbort = () => {
          const i = this.waiting.indexOf(go);
          if (i >= 0) this.waiting.splice(i, 1);
          reject(signal!.reason);
        };
        if (signal?.aborted) return reject(signal.reason);
        signal?.addEventListener('abort', onAbort, { once: true });
        this.waiting.push(go);
      });
    } else {
      this.active++;
    }
    try {
      for (;;) {
        const t = this.now();
        while (this.starts.length && t - this.starts[0] >= 60_000) this.starts.shift();
        if (this.starts.length < this.perMinute) break;
        await sleep(60_000 - (t - this.starts[0]) + 1, signal);
      }
    } catch (e) {
      this.release();
      throw e;
    }
    this.starts.push(this.now());
    let released = false;
    return () => {
      if (!released) {
        released = true;
        this.release();
      }
    };
  }

  private release(): void {
    const next = this.waiting.shift();
    // The slot passes straight to the next waiter, so `active` stays the same.
    if (next) next();
    else this.active--;
  }
}
