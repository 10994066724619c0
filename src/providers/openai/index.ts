import { effectiveModel } from '../../pricing/catalog.ts'
import { postUpstream } from '../http.ts'
import type { ProviderAdapter } from '../types.ts'
import { upstreamError } from '../upstream-error.ts'
import { logWarnings } from '../warnings.ts'
import { anthropicAnswer, openAIHeaders, type AnswerReader } from './answer.ts'
import { ChatCompletion } from './api.ts'
import { convertRequest, serializeChatRequest, type ConvertedRequest } from './convert-request.ts'
import { foldSystemMessages, refusedSystemPlacement } from './fold-system.ts'
import { translateStream } from './translate-stream.ts'
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
  const folded =
    call.learned?.foldsSystem(provider.endpoint, model) === true
      ? withSystemFolded(converted)
      : undefined
  let response = await send(folded ?? converted)
  if (!response.ok && response.status === 400 && folded === undefined) {
    // A strict chat template refusing system messages after the first: folded, and again.
    const refused = await upstreamError(provider.name, response)
    const retry = withSystemFolded(converted)
    if (retry === undefined || !refusedSystemPlacement(refused.message)) throw refused
    call.log.warn(
      `${provider.name},${model} takes system messages only first: ccr folds the others into user messages from now on`,
      { provider: provider.name, model, refused: refused.message },
    )
    call.learned?.learnFoldsSystem(provider.endpoint, model)
    response = await send(retry)
  }
  if (!response.ok) throw await upstreamError(provider.name, response)

  return anthropicAnswer(call, response, chatAnswers)
}

function withSystemFolded(converted: ConvertedRequest): ConvertedRequest | undefined {
  const messages = foldSystemMessages(converted.body.messages)
  return messages === undefined
    ? undefined
    : { ...converted, body: { ...converted.body, messages } }
}
