import { calcPrice } from '@pydantic/genai-prices'
import { modelEntry, type ProviderSettings } from '../config/providers.ts'
import { isLoopbackHost } from '../server/auth.ts'
import { backgroundMarker } from '../router/signals.ts'

/** Tokens of one answer, split as providers bill them. `input` excludes cache reads and writes. */
export interface BilledTokens {
  input: number
  output: number
  cacheRead: number
  cacheWrite: number
}

export interface Prices {
  /** What an answer cost in USD, or null when nobody knows. */
  costOf(
    provider: Pick<ProviderSettings, 'endpoint' | 'models'>,
    model: string,
    tokens: BilledTokens,
  ): number | null
  /** The same tokens at Anthropic's list price for the Claude model Claude Code asked for. */
  anthropicListCost(requestedModel: string, tokens: BilledTokens): number | null
}

/** USD per token, when a model's price does not depend on how much it is used. */
interface Rates {
  input: number
  output: number
  cacheRead: number
  cacheWrite: number
}

/** How long a looked-up price is trusted: the table holds dated price changes. */
const rememberMs = 60 * 60 * 1000

/**
 * Prices in USD, or null when nobody knows: a model's `price` in the config (USD per million
 * tokens) wins; a provider on this machine (Ollama, LM Studio, vLLM on loopback) costs
 * nothing; otherwise the price table of `@pydantic/genai-prices` (MIT), which knows tiers
 * (long-context prices) and cache reads and writes, matched by the provider's URL and the
 * model id. An unknown model is null, never 0.
 *
 * Matching a model in the table takes ~15 µs, so each model's per-token rates are looked up
 * once (for an hour) and reused; a price with tiers is computed by the table every time.
 *
 * @see https://github.com/pydantic/genai-prices
 */
export function createPrices(): Prices {
  const remembered = new Map<string, { at: number; rates: Rates | 'tiered' | null }>()

  const tableCost = (model: string, tokens: BilledTokens, where: Where): number | null => {
    const key = `${where.providerApiUrl ?? where.providerId}\n${model}`
    let entry = remembered.get(key)
    if (entry === undefined || Date.now() - entry.at > rememberMs) {
      entry = { at: Date.now(), rates: ratesOf(model, where) }
      remembered.set(key, entry)
    }
    const rates = entry.rates
    if (rates === null) return null
    if (rates === 'tiered') return calculate(model, tokens, where)?.total_price ?? null
    return (
      tokens.input * rates.input +
      tokens.output * rates.output +
      tokens.cacheRead * rates.cacheRead +
      tokens.cacheWrite * rates.cacheWrite
    )
  }

  return {
    costOf(provider, model, tokens) {
      const price = modelEntry(provider, model).price
      if (price !== undefined) {
        const perToken = (perMillion: number | undefined, fallback: number) =>
          (perMillion ?? fallback) / 1_000_000
        return (
          tokens.input * perToken(price.input, 0) +
          tokens.output * perToken(price.output, 0) +
          tokens.cacheRead * perToken(price.cache_read, price.input) +
          tokens.cacheWrite * perToken(price.cache_write, price.input)
        )
      }
      if (isLoopbackHost(new URL(provider.endpoint).hostname)) return 0
      return tableCost(model, tokens, { providerApiUrl: provider.endpoint })
    },
    anthropicListCost(requestedModel, tokens) {
      // ccr code's background marker stands for Claude Code's small model, Haiku.
      const model = requestedModel === backgroundMarker ? 'claude-haiku-4-5' : requestedModel
      // An explicit "<provider>,<model>" named no Claude model: there is no baseline.
      if (!/^claude/i.test(model)) return null
      return tableCost(model, tokens, { providerId: 'anthropic' })
    },
  }
}

type Where = { providerApiUrl?: string; providerId?: string }

function calculate(model: string, tokens: BilledTokens, where: Where) {
  const usage = {
    // genai-prices counts cache reads and writes as parts of the input.
    input_tokens: tokens.input + tokens.cacheRead + tokens.cacheWrite,
    cache_read_tokens: tokens.cacheRead,
    cache_write_tokens: tokens.cacheWrite,
    output_tokens: tokens.output,
  }
  return (
    calcPrice(usage, model, where) ??
    (where.providerApiUrl === undefined ? null : calcPrice(usage, model, {}))
  )
}

/** Per-token rates of a model whose prices are flat, `tiered` when they are not, null when unknown. */
function ratesOf(model: string, where: Where): Rates | 'tiered' | null {
  const million = 1_000_000
  const probe = calculate(model, { input: million, output: 0, cacheRead: 0, cacheWrite: 0 }, where)
  if (probe === null) return null
  if (Object.values(probe.model_price).some((price) => typeof price === 'object')) return 'tiered'
  const rate = (tokens: BilledTokens) =>
    (calculate(model, tokens, where)?.total_price ?? 0) / million
  return {
    input: probe.total_price / million,
    output: rate({ input: 0, output: million, cacheRead: 0, cacheWrite: 0 }),
    cacheRead: rate({ input: 0, output: 0, cacheRead: million, cacheWrite: 0 }),
    cacheWrite: rate({ input: 0, output: 0, cacheRead: 0, cacheWrite: million }),
  }
}
