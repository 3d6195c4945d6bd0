// Screens that subscribe at once (every wall reconnecting after a deploy or a Redis restart) share one snapshot
// read instead of each paying for the whole picture: at 50,000 units, fifty separate reads kept the subscribers
// waiting past their 30-s acknowledgement timeout. A caller may share only a read that starts after it asked: a
// subscriber joins the live room first and then asks, so the read it gets holds everything it will not receive
// as a delta. So callers that ask while a read runs wait for the next one, which starts when it ends and serves all
// of them.
export class SharedRead<T> {
  #running: Promise<unknown> | null = null;
  #queued: Promise<T> | null = null;

  constructor(private readonly read: () => Promise<T>) {}

  get(): Promise<T> {
    if (this.#queued) return this.#queued;
    const before = this.#running ?? Promise.resolve();
    const next: Promise<T> = before.catch(() => undefined).then(() => {
      // From here on the read is under way: later callers queue the one after it.
      if (this.#queued === next) this.#queued = null;
      this.#running = next;
      return this.read();
    });
    this.#queued = next;
    void next.catch(() => undefined).finally(() => { if (this.#running === next) this.#running = null; });
    return next;
  }
}
