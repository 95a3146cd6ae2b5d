/**
 * ActiveRequests: the requests active on one connection, by id, in the order they began.
 *
 * A web server that multiplexes is rare (nginx never does): nearly always one request is
 * active at a time. That one is held in two fields, and the Map is used only once a second
 * request begins while it is active; until the Map empties again, every request is kept there,
 * so that it alone holds the order they began in. (A Map set and delete a request cost more
 * than anything but the pairs in decoding nginx's request.)
 */
export class ActiveRequests<T> {
  /** The one active request and its id, while the Map is empty; id -1 when there is none. */
  #onlyId = -1;
  #only: T | undefined = undefined;
  /** Every active request, while a second one has begun since the Map was last empty. */
  readonly #many = new Map<number, T>();

  get(id: number): T | undefined {
    if (id === this.#onlyId) return this.#only;
    return this.#many.size === 0 ? undefined : this.#many.get(id);
  }

  has(id: number): boolean {
    return id === this.#onlyId || this.#many.has(id);
  }

  /** Adds request `id`, which must not be active. */
  add(id: number, request: T): void {
    if (this.#onlyId < 0 && this.#many.size === 0) {
      this.#onlyId = id;
      this.#only = request;
      return;
    }
    if (this.#onlyId >= 0) {
      // (The one held in the fields began first: it goes in first.)
      this.#many.set(this.#onlyId, this.#only!);
      this.#clearOnly();
    }
    this.#many.set(id, request);
  }

  delete(id: number): void {
    if (id === this.#onlyId) this.#clearOnly();
    else this.#many.delete(id);
  }

  clear(): void {
    this.#clearOnly();
    this.#many.clear();
  }

  /** Every active request and its id, in the order they began. */
  *[Symbol.iterator](): IterableIterator<[number, T]> {
    if (this.#onlyId >= 0) yield [this.#onlyId, this.#only!];
    else yield* this.#many;
  }

  #clearOnly(): void {
    this.#onlyId = -1;
    this.#only = undefined;
  }
}
