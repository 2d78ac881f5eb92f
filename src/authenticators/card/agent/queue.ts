/**
 * Runs tasks one after the other per key (here: per PKCS#11 slot), in arrival order; tasks of
 * different keys run concurrently. A failed task does not block the ones queued behind it.
 *
 * @example
 *   const q = new KeyedQueue();
 *   await Promise.all([q.run('slot-1', a), q.run('slot-1', b)]); // b starts after a settles
 */
export class KeyedQueue {
  private readonly tails = new Map<string, Promise<unknown>>();

  run<T>(key: string, task: () => Promise<T> | T): Promise<T> {
    const previous = this.tails.get(key) ?? Promise.resolve();
    const result = previous.then(() => task(), () => task());
    const tail = result.catch(() => undefined);
    this.tails.set(key, tail);
    void tail.then(() => {
      if (this.tails.get(key) === tail) this.tails.delete(key);
    });
    return result;
  }
}
