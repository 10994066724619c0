import { RouterError } from '../../lib/errors.ts'
import { postUpstream } from '../http.ts'
import { upstreamError } from '../upstream-error.ts'
import type { ProviderAdapter } from '../types.ts'
import { logWarnings } from '../warnings.ts'
import { replaceModel } from './replace-model.ts'
import { stripForeignThinking } from './strip-foreign-thinking.ts'

const defaultVersion = '2023-06-01'

/** Response headers that describe the hop, not the message: never copied to the client. */
const hopHeaders = new Set([
  'connection',
  'keep-alive',
  'transfer-encoding',
  'content-encoding',
  'content-length',
  'set-cookie',
  'x-request-id',
])

/**
 * An Anthropic-protocol provider (Anthropic, or the Anthropic-compatible endpoints of
 * DeepSeek, Moonshot, z.ai, Ollama): the client's body byte for byte with only the model name
 * replaced, its `anthropic-version` and `anthropic-beta`, the provider's key; the answer
 * streamed back as it arrives.
 *
 * @see https://docs.anthropic.com/en/api/messages
 */
export const sendAnthropic: ProviderAdapter = async (call) => {
  const raw = call.rawBody()
  const stripped = stripForeignThinking(call.request, raw)
  if (stripped !== undefined) {
    logWarnings(call.log, call.provider.name, 'request', [
      {
        type: 'dropped',
        field: 'messages[].content[] (thinking)',
        details: `${stripped.removed} thinking blocks from another provider, which Anthropic would reject`,
      },
    ])
  }
  const body = replaceModel(stripped?.body ?? raw, call.model)
  if (body === undefined) {
    throw new RouterError('invalid_request', { status: 400, message: 'model: expected a string' })
  }
  const headers: Record<string, string> = {
    'content-type': 'application/json',
    'anthropic-version': call.clientHeaders.get('anthropic-version') ?? defaultVersion,
  }
  const beta = call.clientHeaders.get('anthropic-beta')
  if (beta !== null) headers['anthropic-beta'] = beta
  if (call.provider.apiKey !== '') {
    if (call.provider.auth === 'bearer') headers.authorization = `Bearer ${call.provider.apiKey}`
    else headers['x-api-key'] = call.provider.apiKey
  }

  const response = await postUpstream(call, { url: call.provider.endpoint, headers, body })
  if (!response.ok) throw await upstreamError(call.provider.name, response)

  const forwarded = new Headers()
  response.headers.forEach((value, key) => {
    if (!hopHeaders.has(key)) forwarded.set(key, value)
  })
  return { response: new Response(response.body, { status: response.status, headers: forwarded }) }
}
