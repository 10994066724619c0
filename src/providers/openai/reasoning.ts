import type { ProviderSettings } from '../../config/providers.ts'
import type { ReasoningControl } from '../../config/schema.ts'
import { urlParts } from '../../lib/memo.ts'
import type { MessagesRequest } from '../../protocol/messages.ts'
import type { ChatRequest, ReasoningEffort } from './api.ts'
import type { WarningCollector } from './conversion-warnings.ts'

/**
 * OpenAI's own reasoning models (o-series, GPT-5): they take `max_completion_tokens` and
 * `reasoning_effort`, and reject sampling parameters.
 *
 * @see https://platform.openai.com/docs/guides/reasoning
 */
export function isOpenAIReasoningModel(
  provider: Pick<ProviderSettings, 'endpoint'>,
  model: string,
): boolean {
  return urlParts(provider.endpoint)?.hostname === 'api.openai.com' && /^(o\d|gpt-5)/i.test(model)
}

/**
 * How a model is asked to reason when the config does not say: inferred from the host and the
 * model name, `none` when nothing is known (thinking is then dropped with a warning, which is
 * safer than a parameter the provider rejects).
 *
 * @see https://openrouter.ai/docs/use-cases/reasoning-tokens
 * @see https://console.groq.com/docs/reasoning
 * @see https://help.aliyun.com/zh/model-studio/deep-thinking
 * @see https://github.com/ollama/ollama/blob/main/docs/openai.md
 */
export function inferReasoning(
  provider: Pick<ProviderSettings, 'endpoint'>,
  model: string,
): ReasoningControl {
  const url = urlParts(provider.endpoint)
  if (url === undefined) return 'none'
  const host = url.hostname.toLowerCase()
  if (host === 'openrouter.ai' || host.endsWith('.openrouter.ai')) return 'openrouter'
  if (isOpenAIReasoningModel(provider, model)) return 'reasoning_effort'
  if (host === 'api.groq.com' && /gpt-oss|qwen3/i.test(model)) return 'reasoning_effort'
  if (host.includes('dashscope') || host.includes('siliconflow')) return 'enable_thinking'
  if (url.port === '11434') return 'reasoning_effort'
  return 'none'
}

/** What the thinking conversion reads: the request's settings and the model's control. */
export interface ConvertThinkingOptions {
  request: Pick<MessagesRequest, 'thinking' | 'output_config'>
  control: ReasoningControl
  report: WarningCollector
}

/** The request fields that carry a reasoning setting, one family per control. */
export type ReasoningFields = Pick<
  ChatRequest,
  'reasoning_effort' | 'reasoning' | 'enable_thinking' | 'thinking_budget'
>

/**
 * Anthropic's `thinking` (and the `output_config.effort` that goes with adaptive thinking) →
 * the model's reasoning control. `output_config` is consumed here: its other keys are reported.
 *
 * @see https://docs.anthropic.com/en/docs/build-with-claude/extended-thinking
 * @see https://docs.anthropic.com/en/docs/build-with-claude/effort
 * @see https://platform.openai.com/docs/api-reference/chat/create#chat-create-reasoning_effort
 * @see https://openrouter.ai/docs/use-cases/reasoning-tokens
 */
export function convertThinking(options: ConvertThinkingOptions): ReasoningFields {
  const { request, control, report } = options
  const { thinking, output_config: outputConfig } = request
  for (const [key, value] of Object.entries(outputConfig ?? {})) {
    if (key === 'effort' || value === undefined) continue
    const details =
      key === 'format'
        ? 'structured output is not sent: the model answers in free text, guided by the prompt'
        : 'not supported by OpenAI Chat Completions'
    report.add('dropped', `output_config.${key}`, details)
  }
  const effort = outputConfig?.effort
  if (thinking === undefined || thinking.type === 'disabled') {
    if (effort !== undefined) {
      report.add(
        'dropped',
        'output_config.effort',
        'effort is only sent along with adaptive thinking',
      )
    }
    return {}
  }
  if (control === 'none') {
    const alsoEffort = effort === undefined ? '' : ' (and output_config.effort)'
    report.add(
      'dropped',
      'thinking',
      `this model has no known reasoning switch${alsoEffort}; set "reasoning" on the model in the config`,
    )
    return {}
  }
  if (thinking.type === 'enabled') {
    if (effort !== undefined) {
      report.add(
        'dropped',
        'output_config.effort',
        'thinking.budget_tokens decides the reasoning level',
      )
    }
    return fromBudget(thinking.budget_tokens, control, report)
  }
  if (control === 'enable_thinking') {
    if (effort !== undefined) {
      report.add('dropped', 'output_config.effort', 'enable_thinking has no effort level')
    }
    return { enable_thinking: true }
  }
  const level = effortLevel(effort, report)
  return control === 'openrouter' ? { reasoning: { effort: level } } : { reasoning_effort: level }
}

function fromBudget(
  budget: number | undefined,
  control: Exclude<ReasoningControl, 'none'>,
  report: WarningCollector,
): ReasoningFields {
  switch (control) {
    case 'openrouter':
      return { reasoning: budget === undefined ? { enabled: true } : { max_tokens: budget } }
    case 'enable_thinking':
      return budget === undefined
        ? { enable_thinking: true }
        : { enable_thinking: true, thinking_budget: budget }
    case 'reasoning_effort': {
      // A budget-less `enabled` is invalid for Anthropic; medium is the providers' usual default.
      const level =
        budget === undefined
          ? 'medium'
          : budget <= 4096
            ? 'low'
            : budget <= 16384
              ? 'medium'
              : 'high'
      if (budget !== undefined) {
        report.add(
          'changed',
          'thinking.budget_tokens',
          `a token budget cannot be sent: reasoning_effort '${level}' instead`,
        )
      }
      return { reasoning_effort: level }
    }
    default: {
      const unreachable: never = control
      return unreachable
    }
  }
}

function effortLevel(effort: string | undefined, report: WarningCollector): ReasoningEffort {
  if (effort === 'low' || effort === 'medium' || effort === 'high') return effort
  if (effort === 'max' || effort === 'xhigh') {
    report.add(
      'changed',
      'output_config.effort',
      `'${effort}' sent as 'high', the highest level OpenAI-style APIs share`,
    )
    return 'high'
  }
  // Adaptive thinking without an effort lets Claude decide; medium is the providers' default.
  if (effort !== undefined) {
    report.add('changed', 'output_config.effort', `unknown effort '${effort}' sent as 'medium'`)
  }
  return 'medium'
}
