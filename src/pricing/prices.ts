import { modelEntry, type ProviderSettings } from '../config/providers.ts'
import { urlParts } from '../lib/memo.ts'
import { isLoopbackHost } from '../server/auth.ts'
import { backgroundMarker } from '../router/signals.ts'
import { createAnthropicPriceTable, createPriceTable, type PriceTable } from './price-table.ts'

/** Tokens of one answer, split as providers bill them. `input` excludes cache reads and writes. */
export interface BilledTokens {
  input: number
  output: number
  cacheRead: number
  cacheWrite: number
}

export interface Prices {
  /**
   * What an answer cost in USD, or null when nobody knows. `at` (Unix ms) is when the request
   * was made: some prices depend on it (DeepSeek's off-peak hours, dated price changes).
   */
  costOf(
    provider: Pick<ProviderSettings, 'endpoint' | 'models'>,
    model: string,
    tokens: BilledTokens,
    at: number,
  ): number | null
  /** The same tokens at Anthropic's list price for the Claude model Claude Code asked for. */
  anthropicListCost(requestedModel: string, tokens: BilledTokens, at: number): number | null
}

/** USD per token, when a model's price does not depend on how much it is used. */
interface Rates {
  input: number
  output: number
  cacheRead: number
  cacheWrite: number
}

/** A price that depends on the time (of day, or since a date) is looked up again each minute. */
const minuteMs = 60_000
const million = 1_000_000
/** The price tables: the whole one, and Anthropic's alone for the list price of each answer. */
export interface PriceTables {
  all: PriceTable
  anthropic: PriceTable
}

/** One of each for the process, each evaluated at its first lookup. */
const processTables: PriceTables = {
  all: createPriceTable(),
  anthropic: createAnthropicPriceTable(),
}

/**
 * Prices in USD, or null when nobody knows: a model's `price` in the config (USD per million
 * tokens) wins; a provider on this machine (Ollama, LM Studio, vLLM on loopback) costs
 * nothing; otherwise the price table of `@pydantic/genai-prices` (MIT, `price-table.ts`),
 * which knows tiers (long-context prices) and cache reads and writes, matched by the provider's
 * URL and the model id. An unknown model is null, never 0.
 *
 * Matching a model in the table takes ~15 µs (a price with tiers ~30), so each model's
 * per-token rates are looked up once and reused; rates that depend on the time (DeepSeek's
 * off-peak hours, a dated change) are reused within the minute they were looked up for (the
 * table's boundaries fall on whole minutes). A price with tiers (Claude Sonnet 4.5 and Gemini
 * 2.5 Pro above 200k input tokens) is flat within each band of the request's whole input,
 * which decides the tier of every token in it, so its rates are looked up once per band.
 *
 * @see https://github.com/pydantic/genai-prices
 */
export function createPrices(tables: PriceTables = processTables): Prices {
  /** Rates as looked up, and the times they hold for: `[from, until)`. */
  const remembered = new Map<string, { from: number; until: number; rates: Looked }>()
  const calculate = calculator(tables)

  const tableCost = (
    model: string,
    tokens: BilledTokens,
    where: Where,
    at: number,
  ): number | null => {
    const key = `${where.providerApiUrl ?? where.providerId}\n${model}`
    let entry = remembered.get(key)
    if (entry === undefined || at < entry.from || at >= entry.until) {
      const looked = ratesOf(calculate, model, where, at)
      const minute = Math.floor(at / minuteMs) * minuteMs
      entry = looked.timed
        ? { from: minute, until: minute + minuteMs, rates: looked.rates }
        : { from: -Infinity, until: Infinity, rates: looked.rates }
      remembered.set(key, entry)
    }
    const looked = entry.rates
    if (looked === null) return null
    const rates =
      'starts' in looked ? bandRates(calculate, looked, model, tokens, where, at) : looked
    if (rates === null) return null
    return (
      tokens.input * rates.input +
      tokens.output * rates.output +
      tokens.cacheRead * rates.cacheRead +
      tokens.cacheWrite * rates.cacheWrite
    )
  }

  return {
    costOf(provider, model, tokens, at) {
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
      if (isLoopbackHost(urlParts(provider.endpoint)?.hostname ?? '')) return 0
      return tableCost(model, tokens, { providerApiUrl: provider.endpoint }, at)
    },
    anthropicListCost(requestedModel, tokens, at) {
      // ccr code's background marker stands for Claude Code's small model, Haiku.
      const model = requestedModel === backgroundMarker ? 'claude-haiku-4-5' : requestedModel
      // An explicit "<provider>,<model>" named no Claude model: there is no baseline.
      if (!/^claude/i.test(model)) return null
      return tableCost(model, tokens, { providerId: 'anthropic' }, at)
    },
  }
}

type Where = { providerApiUrl?: string; providerId?: string }
type Looked = Rates | Tiers | null

/**
 * A price with tiers: the table prices every token of a request at the tier its whole input
 * (cache reads and writes included) is above, so within a band between two tiers' starts the
 * rates are flat.
 */
interface Tiers {
  /** Input token counts above which a tier starts, ascending. */
  starts: number[]
  /** Each band's rates, looked up the first time a request falls in it. */
  bands: (Rates | null)[]
}

type Calculate = (
  model: string,
  tokens: BilledTokens,
  where: Where,
  at: number,
) => ReturnType<PriceTable['calcPrice']>

/**
 * The table's price of `tokens`, matched by provider URL or id, else by the model id alone;
 * Anthropic's own table answers for `providerId: 'anthropic'`.
 */
function calculator(tables: PriceTables): Calculate {
  return (model, tokens, where, at) => {
    const table = where.providerId === 'anthropic' ? tables.anthropic : tables.all
    const usage = {
      // genai-prices counts cache reads and writes as parts of the input.
      input_tokens: tokens.input + tokens.cacheRead + tokens.cacheWrite,
      cache_read_tokens: tokens.cacheRead,
      cache_write_tokens: tokens.cacheWrite,
      output_tokens: tokens.output,
    }
    const timestamp = new Date(at)
    return (
      table.calcPrice(usage, model, { ...where, timestamp }) ??
      (where.providerApiUrl === undefined ? null : table.calcPrice(usage, model, { timestamp }))
    )
  }
}

/**
 * A model's per-token rates at `at` when its prices are flat, its tiers when they are not, null
 * when unknown; `timed` when the table gives it different prices at different times.
 */
function ratesOf(
  calculate: Calculate,
  model: string,
  where: Where,
  at: number,
): { rates: Looked; timed: boolean } {
  const probe = calculate(
    model,
    { input: million, output: 0, cacheRead: 0, cacheWrite: 0 },
    where,
    at,
  )
  if (probe === null) return { rates: null, timed: false }
  const timed = Array.isArray(probe.model.prices)
  const starts = new Set<number>()
  for (const price of Object.values(probe.model_price)) {
    if (typeof price === 'object') for (const tier of price.tiers) starts.add(tier.start)
  }
  if (starts.size > 0) {
    const sorted = [...starts].sort((a, b) => a - b)
    return { rates: { starts: sorted, bands: [] }, timed }
  }
  return { rates: flatRates(calculate, model, where, at, million), timed }
}

/** The rates of the band the request's whole input falls in (see `Tiers`). */
function bandRates(
  calculate: Calculate,
  tiers: Tiers,
  model: string,
  tokens: BilledTokens,
  where: Where,
  at: number,
): Rates | null {
  const input = tokens.input + tokens.cacheRead + tokens.cacheWrite
  let band = 0
  while (band < tiers.starts.length && input > (tiers.starts[band] ?? Infinity)) band++
  let rates = tiers.bands[band]
  if (rates === undefined) {
    // Probed with an input that falls in the band: its upper end, or above the last start.
    const last = tiers.starts.at(-1) ?? 0
    rates = flatRates(calculate, model, where, at, tiers.starts[band] ?? last + 1)
    tiers.bands[band] = rates
  }
  return rates
}

/** Per-token rates, probed with `input` tokens of each kind as the request's whole input. */
function flatRates(
  calculate: Calculate,
  model: string,
  where: Where,
  at: number,
  input: number,
): Rates | null {
  const cost = (tokens: BilledTokens) => calculate(model, tokens, where, at)?.total_price
  const plain = cost({ input, output: 0, cacheRead: 0, cacheWrite: 0 })
  if (plain === undefined) return null
  const perInput = (total: number | undefined) => (input === 0 ? 0 : (total ?? 0) / input)
  return {
    input: perInput(plain),
    output:
      ((cost({ input, output: million, cacheRead: 0, cacheWrite: 0 }) ?? 0) - plain) / million,
    cacheRead: perInput(cost({ input: 0, output: 0, cacheRead: input, cacheWrite: 0 })),
    cacheWrite: perInput(cost({ input: 0, output: 0, cacheRead: 0, cacheWrite: input })),
  }
}
