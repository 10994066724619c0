import { estimateTokenCount } from 'tokenx'

/** Counts the tokens of one piece of text. */
export type CountText = (text: string) => number

export interface TokenCounter {
  /** Tokens of `text`, from the cache when this exact text was counted before. */
  count(text: string): number
  /** Cached texts, for tests and metrics. */
  readonly size: number
}

/**
 * A token counter with a content-hash cache: Claude Code re-sends the same system prompt,
 * tools and history on every turn, so after the first request only the new message is
 * tokenized. The cache keeps the most recently used `maxEntries` texts.
 */
export function createTokenCounter(countText: CountText, maxEntries = 20_000): TokenCounter {
  const cache = new Map<bigint | number, number>()
  return {
    count(text) {
      const key = Bun.hash(text)
      const cached = cache.get(key)
      if (cached !== undefined) {
        // Map order is insertion order: re-inserting marks it as recently used.
        cache.delete(key)
        cache.set(key, cached)
        return cached
      }
      const tokens = countText(text)
      cache.set(key, tokens)
      if (cache.size > maxEntries) cache.delete(cache.keys().next().value!)
      return tokens
    },
    get size() {
      return cache.size
    },
  }
}

/**
 * The estimator: `tokenx` (MIT, 2 kB), within a few percent of OpenAI's o200k on Claude Code
 * traffic (3% over all recorded requests, 16% at worst for one block). No tokenizer matches
 * every provider, and Anthropic's is not public, so an estimate is what routing can have;
 * this one costs no memory, where o200k's tables take ~75 MB and 200 ms to load.
 *
 * @see https://github.com/johannschopplich/tokenx
 */
export function createEstimator(maxEntries?: number): TokenCounter {
  return createTokenCounter((text) => estimateTokenCount(text), maxEntries)
}
