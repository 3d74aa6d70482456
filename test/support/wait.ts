/**
 * Waiting on a condition instead of sleeping and hoping. A test that needs something
 * to have happened polls for it (or awaits an event) until a generous deadline: on an
 * idle machine it goes on at once, on a loaded one it waits longer instead of failing.
 */
import { setTimeout as sleep } from 'node:timers/promises';

/**
 * Polls `check` every `everyMs` until it is true or `ms` have passed (measured on the
 * clock, so a slow check does not stretch the deadline); returns whether it became true.
 */
export async function waitFor(check: () => boolean | Promise<boolean>, ms = 30_000, everyMs = 50): Promise<boolean> {
  const deadline = Date.now() + ms;
  for (;;) {
    if (await check()) return true;
    if (Date.now() >= deadline) return false;
    await sleep(everyMs);
  }
}

/** Like waitFor, but throws (naming `what`) when the deadline passes: for set-up steps that are not the assertion. */
export async function until(what: string, check: () => boolean | Promise<boolean>, ms = 30_000, everyMs = 50): Promise<void> {
  if (!(await waitFor(check, ms, everyMs))) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
}
