/**
 * Spending limits that are never exceeded: before a request is sent, its worst case (prompt tokens with a
 * margin, plus the full `max_tokens` of reply) is reserved against the job's budget and the hourly cap;
 * if either would be exceeded the request is refused and never sent. After the reply the reservation is
 * replaced by the cost of the usage the provider reported.
 */
import { LlmError } from './errors';
import type { Ledger } from './ledger';

/** One user action (an ask, a `map --llm` run, a bulk explanation) with its own spending limit. */
export class Job {
  spentUsd = 0;
  reservedUsd = 0;
  requests = 0;
  constructor(
    readonly name: string,
    readonly limitUsd: number,
  ) {}

  get remainingUsd(): number {
    return Math.max(0, this.limitUsd - this.spentUsd - this.reservedUsd);
  }
}

export interface Reservation {
  job: Job;
  usd: number;
  /** The reservation other processes see (ledger.ts), released on settle. */
  sharedId?: string;
}

export class Budget {
  /** Reserved by requests in flight in this process (the ledger only has finished ones). */
  private inFlightUsd = 0;

  constructor(
    private readonly ledger: Ledger,
    private hourlyCapUsd: number,
    private readonly now: () => number = Date.now,
  ) {}

  setHourlyCap(usd: number): void {
    this.hourlyCapUsd = usd;
  }

  spentLastHour(): number {
    return this.ledger.spentSince(this.now() - 3_600_000);
  }

  /** Reserves `usd` or throws a 'budget' LlmError naming the limit that would be crossed. */
  reserve(job: Job, usd: number): Reservation {
    const eps = 1e-12;
    if (job.spentUsd + job.reservedUsd + usd > job.limitUsd + eps) {
      throw new LlmError(
        'budget',
        `the ${job.name} budget of ${money(job.limitUsd)} would be exceeded (spent ${money(job.spentUsd)}, this request up to ${money(usd)}) — raise daglens.llm.maxJobCostUsd to allow more`,
      );
    }
    // Checked and reserved under the ledger folder's lock: requests in flight in other processes (the editor
    // and a CLI run on one workspace) count against the same cap.
    let hour = 0;
    let others = 0;
    const shared = this.ledger.reserve(usd, (spent, reservedElsewhere) => {
      hour = spent;
      others = reservedElsewhere;
      return spent + reservedElsewhere + this.inFlightUsd + usd <= this.hourlyCapUsd + eps;
    });
    if (!shared) {
      const busy = others > 0 ? ` and ${money(others)} reserved by requests in flight in other DagLens processes` : '';
      throw new LlmError(
        'budget',
        `the hourly cap of ${money(this.hourlyCapUsd)} would be exceeded (spent ${money(hour)} in the last hour${busy}) — raise daglens.llm.maxHourlyCostUsd or wait`,
      );
    }
    job.reservedUsd += usd;
    this.inFlightUsd += usd;
    return { job, usd, sharedId: shared.id };
  }

  /** Replaces the reservation by what was actually spent (0 when nothing was billed). */
  settle(r: Reservation, actualUsd: number): void {
    this.ledger.release(r.sharedId);
    r.job.reservedUsd = Math.max(0, r.job.reservedUsd - r.usd);
    this.inFlightUsd = Math.max(0, this.inFlightUsd - r.usd);
    r.job.spentUsd += actualUsd;
    r.job.requests++;
  }
}

/** Dollars with enough digits to tell small amounts apart ($0.50, $0.0009). */
export function money(usd: number): string {
  return usd === 0 ? '$0' : usd >= 0.01 ? `$${usd.toFixed(2)}` : `$${usd.toPrecision(2)}`;
}
