/**
 * A full garbage collection once the router has gone quiet. Under load JavaScriptCore collects
 * only what it must, so what a burst left (500 streams, a 300 KB conversation parsed ten times
 * at once) stays resident long after it: RSS stayed 1.6–1.9 times the idle figure after
 * rounds of 500 streams. Collected while nobody waits, it falls back near idle (1.2 times).
 *
 * Quiet means: nothing in flight (a long stream counts until it ends), and no request arrived
 * for a whole interval, after some were served since the last collection. A collection takes
 * about 10 ms; a request that arrives during it waits that long, once per quiet spell.
 */
export function createIdleCollector(options: {
  /** API requests received so far. */
  served: () => number
  /** Requests whose answers have not ended. */
  pending: () => number
  collect: () => void
}): { tick(): void } {
  let seen = options.served()
  let collectedAt = seen
  return {
    tick() {
      const served = options.served()
      if (served !== seen) {
        seen = served
        return
      }
      if (served === collectedAt || options.pending() > 0) return
      collectedAt = served
      options.collect()
    },
  }
}
