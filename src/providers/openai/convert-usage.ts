import type { Usage } from '../../protocol/events.ts'
import type { ChatUsage } from './api.ts'

/**
 * OpenAI usage → Anthropic usage. OpenAI counts cached tokens inside `prompt_tokens`;
 * Anthropic counts them apart, so they are taken out of `input_tokens`. DeepSeek reports the
 * cache as `prompt_cache_hit_tokens`. No OpenAI-compatible provider bills cache writes
 * separately, so `cache_creation_input_tokens` is 0.
 *
 * @see https://platform.openai.com/docs/api-reference/chat/object#chat/object-usage
 * @see https://api-docs.deepseek.com/guides/kv_cache
 * @see https://docs.anthropic.com/en/api/messages#response-usage
 */
export function convertUsage(usage: ChatUsage): Usage {
  const cached = count(usage.prompt_tokens_details?.cached_tokens ?? usage.prompt_cache_hit_tokens)
  const missed = usage.prompt_cache_miss_tokens
  const prompt =
    usage.prompt_tokens ?? (missed === undefined || missed === null ? 0 : missed + cached)
  const reasoning = count(usage.completion_tokens_details?.reasoning_tokens)
  return {
    input_tokens: Math.max(0, prompt - cached),
    output_tokens: count(usage.completion_tokens),
    cache_creation_input_tokens: 0,
    cache_read_input_tokens: cached,
    // Claude Code reads reasoning counts here (the thinking-token-count beta).
    ...(reasoning > 0 ? { output_tokens_details: { thinking_tokens: reasoning } } : {}),
  }
}

/** A count as the provider sent it; none, or one below zero (a malformed reply), is 0. */
function count(value: number | null | undefined): number {
  return Math.max(0, value ?? 0)
}
