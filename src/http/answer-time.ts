import { setTimeout as sleep } from 'node:timers/promises';

import type Koa from 'koa';

/**
 * Holds the response until `ms` milliseconds after the request reached this middleware, whatever
 * the outcome (answer, refusal or thrown error), so that the time an answer takes does not tell
 * which way the handler went — e.g. whether a national id has contacts to send codes to. Install it
 * before the error handling of the route, so that refusals wait too. 0: no wait.
 *
 * @example
 *   router.post('/activation/start', answerNoSoonerThan(1000), errors, json, handler);
 */
export function answerNoSoonerThan(ms: number): Koa.Middleware {
  return async (_ctx, next) => {
    const due = performance.now() + ms;
    try {
      await next();
    } finally {
      const left = due - performance.now();
      if (left > 0) await sleep(Math.ceil(left));
    }
  };
}
