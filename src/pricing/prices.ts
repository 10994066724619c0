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

/**
 * What an answer cost in USD, or null when nobody knows: a model's `price` in the config
 * (USD per million tokens) wins; a provider on this machine (Ollama, LM Studio, vLLM on
 * loopback) costs nothing; otherwise the price table of `@pydantic/genai-prices` (MIT), which
 * knows tiers (long-context prices) and cache reads and writes, matched by the provider's URL
 * and the model id. An unknown model is null, never 0.
 *
 * @see https://github.com/pydantic/genai-prices
 */
export function costOf(
  provider: Pick<ProviderSettings, 'endpoint' | 'models'>,
  model: string,
  tokens: BilledTokens,
): number | null {
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
}

/**
 * What the same tokens cost at Anthropic's list price for the Claude model Claude Code asked
 * for: the baseline savings are measured against. Null when the request did not name a Claude
 * model (an explicit `"<provider>,<model>"`). ccr code's background marker stands for Claude
 * Code's small model, Haiku.
 */
export function anthropicListCost(requestedModel: string, tokens: BilledTokens): number | null {
  const model = requestedModel === backgroundMarker ? 'claude-haiku-4-5' : requestedModel
  if (!/^claude/i.test(model)) return null
  return tableCost(model, tokens, { providerId: 'anthropic' })
}

function tableCost(
  model: string,
  tokens: BilledTokens,
  where: { providerApiUrl?: string; providerId?: string },
): number | null {
  const usage = {
    // genai-prices counts cache reads and writes as parts of the input.
    input_tokens: tokens.input + tokens.cacheRead + tokens.cacheWrite,
    cache_read_tokens: tokens.cacheRead,
    cache_write_tokens: tokens.cacheWrite,
    output_tokens: tokens.output,
  }
  const priced =
    calcPrice(usage, model, where) ??
    (where.providerApiUrl === undefined ? null : calcPrice(usage, model, {}))
  return priced === null ? null : priced.total_price
}
