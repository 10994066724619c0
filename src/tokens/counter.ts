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
      // Short texts cost less to count than to look up.
      if (text.length < 64) return countText(text)
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
 * The tokenizer: OpenAI's o200k_base, loaded on first use (it takes ~200 ms, so `start`
 * warms it up in the background). No tokenizer matches every provider, Anthropic's is not
 * public; o200k is within ~10% on Claude Code traffic, which is what an estimate needs.
 */
export async function loadTokenizer(): Promise<CountText> {
  const { countTokens } = await import('gpt-tokenizer/encoding/o200k_base')
  return (text) => countTokens(text)
}
