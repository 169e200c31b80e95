/**
 * Runs tasks one at a time, in call order. The KMS serializes every store write through one
 * of these so the audit hash chain has exactly one head.
 */
export class Mutex {
  #tail: Promise<unknown> = Promise.resolve();

  run<T>(task: () => Promise<T>): Promise<T> {
    const result = this.#tail.then(task);
    this.#tail = result.catch(() => undefined);
    return result;
  }
}
