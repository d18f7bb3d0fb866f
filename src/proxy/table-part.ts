import type { Contribution } from './ruleset-builder.js';

/**
 * Something besides Services that lives in the Service proxy's table and loads in the same
 * `nft -f` transactions (NetworkPolicy enforcement): the proxy starts it, and whenever it says
 * it changed, puts its {@link contribution} in the table at the next bounded-frequency sync
 * (its elements as a partial sync; a change of its chains' rules makes that sync full).
 */
export interface TablePart {
  /** Its owner key among the proxy's contributions; holds a `:` so no Service key (`namespace/name`) can equal it. */
  readonly owner: string;
  /** Calls `listener` whenever its contribution may have changed (set before {@link start}). */
  onChange(listener: () => void): void;
  /** Watches until `signal` aborts; resolves once stopped. */
  start(signal: AbortSignal): Promise<void>;
  /** Resolves true once what it watches is listed (false when `signal` aborted first). */
  waitForSync(signal: AbortSignal): Promise<boolean>;
  /** Its sets, maps, chains and elements now. */
  contribution(): Contribution;
}
