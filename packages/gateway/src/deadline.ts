/**
 * Timeouts. A read deadline: while started, `onExpire` runs once no touch() has come for
 * `ms`; one timer a connection, re-armed in place (Timeout#refresh) on every read rather
 * than made anew: a body arriving in many small reads costs no timer churn. And the check
 * every timeout option passes at the call.
 */
export interface Deadline {
  /** Starts (or restarts) the wait. */
  start(): void;
  stop(): void;
  /** Something arrived: the wait starts again, if it is running. */
  touch(): void;
}

export function deadline(ms: number, onExpire: () => void): Deadline {
  let timer: NodeJS.Timeout | undefined;
  const expire = () => {
    timer = undefined;
    onExpire();
  };
  return {
    start() {
      if (timer === undefined) timer = setTimeout(expire, ms);
      else timer.refresh();
    },
    stop() {
      clearTimeout(timer);
      timer = undefined;
    },
    touch() {
      timer?.refresh();
    },
  };
}

/** A timeout option: a positive number of ms, or its default. */
export function positive(value: number | undefined, fallback: number, name: string): number {
  if (value === undefined) return fallback;
  if (!(typeof value === "number" && value > 0 && Number.isFinite(value)))
    throw new TypeError(`${name} must be a positive number of ms, not ${String(value)}`);
  return value;
}
