/** The only ways a test waits: for a condition, with a deadline. Never a fixed sleep. */

export async function waitFor<T>(probe: () => T | Promise<T>, timeoutMs: number, what = "condition"): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs;
  let delay = 5;
  for (;;) {
    const value = await probe();
    if (value) return value as NonNullable<T>;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await Bun.sleep(delay);
    delay = Math.min(delay * 2, 100);
  }
}

/**
 * Lets `ms` pass. Only for a test whose subject is a span of time (a connection that must
 * outlive a quiet spell); waiting for an event is waitFor's job.
 */
export function letTimePass(ms: number): Promise<void> {
  return Bun.sleep(ms);
}

/** Rejects after `ms` unless `promise` settles first. */
export function within<T>(promise: Promise<T>, ms: number, what = "operation"): Promise<T> {
  let timer: Timer;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms: ${what}`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/** True once no process has this pid (signal 0 probes without sending anything). */
export function pidGone(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return false;
  } catch {
    return true;
  }
}
