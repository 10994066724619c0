import { TypeCompiler } from '@sinclair/typebox/compiler'
import { effectiveModel } from '../../pricing/catalog.ts'
import { postUpstream } from '../http.ts'
import { anthropicAnswer, openAIHeaders, type AnswerReader } from '../openai/answer.ts'
import { translateEvents } from '../openai/translate-stream.ts'
import type { ProviderAdapter } from '../types.ts'
import { upstreamError } from '../upstream-error.ts'
import { logWarnings } from '../warnings.ts'
import { ResponseObject, ResponsesEvent } from './api.ts'
import { completionOf, createChunkReader } from './as-chat.ts'
import { convertRequest } from './convert-request.ts'

const responseCheck = TypeCompiler.Compile(ResponseObject)
/** A response whose status is `failed` is not an answer: its error is reported instead. */
const responsesAnswers: AnswerReader = {
  translate: (body, options) => translateEvents(body, ResponsesEvent, createChunkReader, options),
  completion: (parsed) =>
    responseCheck.Check(parsed) && Array.isArray(parsed.output) && parsed.status !== 'failed'
      ? completionOf(parsed)
      : undefined,
  expected: 'a finished response',
}

/**
 * An OpenAI Responses API provider (`/v1/responses`: OpenAI's codex models, which speak
 * nothing else, and servers that copy it): the request converted, the answer converted back,
 * streamed event by event.
 *
 * @see https://platform.openai.com/docs/api-reference/responses
 */
export const sendResponses: ProviderAdapter = async (call) => {
  const { provider, model, request } = call
  const converted = convertRequest({
    request,
    model,
    provider,
    modelEntry: effectiveModel(provider, model),
  })
  logWarnings(call.log, provider.name, 'request', converted.warnings)
  if (call.log.isEnabled('trace')) call.log.trace('upstream request body', { body: converted.body })

  const response = await postUpstream(call, {
    url: provider.endpoint,
    headers: openAIHeaders(call),
    body: JSON.stringify(converted.body),
  })
  if (!response.ok) throw await upstreamError(provider.name, response)
  return anthropicAnswer(call, response, responsesAnswers)
}
