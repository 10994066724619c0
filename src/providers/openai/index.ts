import { effectiveModel } from '../../pricing/catalog.ts'
import { postUpstream } from '../http.ts'
import type { ProviderAdapter } from '../types.ts'
import { upstreamError } from '../upstream-error.ts'
import { logWarnings } from '../warnings.ts'
import { anthropicAnswer, openAIHeaders, type AnswerReader } from './answer.ts'
import { ChatCompletion } from './api.ts'
import { convertRequest, serializeChatRequest, type ConvertedRequest } from './convert-request.ts'
import { foldSystemMessages, refusedSystemPlacement } from './fold-system.ts'
import { refusedTools, withToolsAsText } from './tools-as-text.ts'
import { translateStream } from './translate-stream.ts'
import type { Adaptation } from '../../store/learned.ts'
import { TypeCompiler } from '@sinclair/typebox/compiler'

const completionCheck = TypeCompiler.Compile(ChatCompletion)
const chatAnswers: AnswerReader = {
  translate: translateStream,
  completion: (parsed) => (completionCheck.Check(parsed) ? parsed : undefined),
  expected: 'a chat completion',
}

/**
 * An OpenAI Chat Completions provider (OpenAI, DeepSeek, OpenRouter, Groq, Ollama, vLLM, …):
 * the request converted, the answer converted back, streamed event by event.
 *
 * @see https://platform.openai.com/docs/api-reference/chat/create
 */
export const sendOpenAI: ProviderAdapter = async (call) => {
  const { provider, model, request } = call
  const converted = convertRequest({
    request,
    model,
    provider,
    modelEntry: effectiveModel(provider, model),
  })
  logWarnings(call.log, provider.name, 'request', converted.warnings)
  if (call.log.isEnabled('trace')) call.log.trace('upstream request body', { body: converted.body })

  const headers = openAIHeaders(call)
  const send = (body: ConvertedRequest) =>
    postUpstream(call, {
      url: provider.endpoint,
      headers,
      body: (buffer) => serializeChatRequest(body, buffer),
    })
  // What this model's server was found to refuse goes adapted from the start.
  let body = converted
  const applied: Adaptation[] = []
  for (const adaptation of adaptations) {
    if (call.learned?.needs(adaptation.fact, provider.endpoint, model) !== true) continue
    body = adaptation.adapt(body) ?? body
    applied.push(adaptation.fact)
  }
  let response = await send(body)
  // A template's refusal of the request's shape: adapted, sent again, remembered.
  while (!response.ok && response.status === 400) {
    const refused = await upstreamError(provider.name, response)
    const next = adaptations.find(
      (adaptation) => !applied.includes(adaptation.fact) && adaptation.refused(refused.message),
    )
    const adapted = next?.adapt(body)
    if (next === undefined || adapted === undefined) throw refused
    call.log.warn(`${provider.name},${model} ${next.says}`, {
      provider: provider.name,
      model,
      refused: refused.message,
    })
    call.learned?.learnNeed(next.fact, provider.endpoint, model)
    applied.push(next.fact)
    body = adapted
    response = await send(body)
  }
  if (!response.ok) throw await upstreamError(provider.name, response)

  return anthropicAnswer(call, response, chatAnswers)
}

/** Request shapes some chat templates refuse, and what ccr sends instead. */
const adaptations: {
  fact: Adaptation
  refused: (message: string) => boolean
  adapt: (converted: ConvertedRequest) => ConvertedRequest | undefined
  says: string
}[] = [
  {
    fact: 'folds_system',
    refused: refusedSystemPlacement,
    adapt: withSystemFolded,
    says: 'takes system messages only first: ccr folds the others into user messages from now on',
  },
  {
    fact: 'tools_as_text',
    refused: refusedTools,
    adapt: withToolsAsText,
    says: 'takes no tools: ccr describes them in the system prompt and reads calls written as text from now on',
  },
]

function withSystemFolded(converted: ConvertedRequest): ConvertedRequest | undefined {
  const messages = foldSystemMessages(converted.body.messages)
  return messages === undefined
    ? undefined
    : { ...converted, body: { ...converted.body, messages } }
}
