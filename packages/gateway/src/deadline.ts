/**
 * A read deadline: while started, `onExpire` runs once no touch() has come for `ms`. One
 * timer a connection, re-armed in place (Timeout#refresh) on every read rather than made
 * anew: a body arriving in many small reads costs no timer churn.
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
