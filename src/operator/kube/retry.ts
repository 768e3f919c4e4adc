// Optimistic concurrency for writes that carry a resourceVersion: a 409 Conflict means someone
// wrote in between, so the whole read-modify-write runs again on a fresh read (client-go's
// RetryOnConflict). AlreadyExists is a 409 too, but a create that lost a race is not retried
// here: the caller decides whether the object that won will do.
import { isAlreadyExists, isConflict } from './errors.ts';

export async function retryOnConflict<T>(fn: () => Promise<T>, attempts = 5): Promise<T> {
  for (let i = 1; ; i++) {
    try {
      return await fn();
    } catch (err) {
      if (!isConflict(err) || isAlreadyExists(err) || i >= attempts) throw err;
      await new Promise((r) => setTimeout(r, 10 * 2 ** i));
    }
  }
}
