import type { ProviderSettings } from '../../config/providers.ts'
import type { ModelEntry } from '../../config/schema.ts'
import { jsonBytes, writeJsonBytes, type JsonBytes } from '../../lib/json-bytes.ts'
import { urlParts } from '../../lib/memo.ts'
import type { MessagesRequest } from '../../protocol/messages.ts'
import type { ConversionWarning } from '../warnings.ts'
import type { ChatRequest } from './api.ts'
import { createWarningCollector, type WarningCollector } from './conversion-warnings.ts'
import { convertMessages, rememberedMessageJson } from './convert-messages.ts'
import { convertToolList, loadedToolNames, toolFields } from './convert-tools.ts'
import { rememberedTools } from './tools-memo.ts'
import { convertThinking, inferReasoning, isOpenAIReasoningModel } from './reasoning.ts'
import { checksSignatures } from './thought-signatures.ts'
import { carriesReasoningDetails } from './reasoning-details.ts'
import { cacheMarksOf, keepsCacheMarks, withCacheMarks } from './cache-marks.ts'

export { inferReasoning } from './reasoning.ts'

/** OpenAI takes at most four stop sequences. */
const maxStopSequences = 4

/**
 * The top-level request fields this converter reads. `model` is replaced by the routed model;
 * `top_k` and `cache_control` are read only to be reported. Any other field is reported.
 */
const consumedFields = new Set([
  'model',
  'messages',
  'system',
  'max_tokens',
  'temperature',
  'top_p',
  'top_k',
  'stop_sequences',
  'stream',
  'tools',
  'tool_choice',
  'thinking',
  'metadata',
  'output_config',
  'cache_control',
])

/** Why some well-known Anthropic fields cannot be carried; others get a generic reason. */
const unsupportedFields: Record<string, string> = {
  context_management:
    'Anthropic context editing has no OpenAI equivalent: the full history is sent',
  service_tier: 'Anthropic service tiers do not apply to this provider',
  container: 'Anthropic code-execution containers do not exist on this provider',
  mcp_servers: "Anthropic's MCP connector has no OpenAI equivalent",
}

/** The body to send, and what could not be carried as the client meant it. */
export interface ConvertedRequest {
  body: ChatRequest
  warnings: ConversionWarning[]
  /** `JSON.stringify(body.tools)` as UTF-8, when the tools came from the memo. */
  toolsJson?: Uint8Array
}

/** What the request conversion reads; the provider only for its host (reasoning, DeepSeek). */
export interface ConvertRequestOptions {
  request: MessagesRequest
  /** The provider's model id (already routed; ignore request.model). */
  model: string
  provider: Pick<ProviderSettings, 'name' | 'endpoint'>
  /** Limits and capabilities from the config (`{ id }` when nothing is configured). */
  modelEntry: ModelEntry
}

/**
 * An Anthropic Messages request → an OpenAI Chat Completions request, with a warning for every
 * field that is dropped or altered. Pure: the input is never mutated.
 *
 * @see https://docs.anthropic.com/en/api/messages
 * @see https://platform.openai.com/docs/api-reference/chat/create
 */
export function convertRequest(options: ConvertRequestOptions): ConvertedRequest {
  const { request, model, provider, modelEntry } = options
  const report = createWarningCollector()
  const reasoningModel = isOpenAIReasoningModel(provider, model)
  const hostname = urlParts(provider.endpoint)?.hostname
  const converted = convertMessages({
    request,
    modelEntry,
    report,
    sendsReasoningBack: hostname?.includes('deepseek') === true,
    signsToolCalls: checksSignatures(hostname),
    returnsReasoningDetails: carriesReasoningDetails(hostname),
  })
  const marks =
    (modelEntry.cache_control ?? keepsCacheMarks(hostname, model))
      ? cacheMarksOf(request)
      : undefined
  const messages = marks === undefined ? converted : withCacheMarks(converted, marks)
  const requestTools = request.tools ?? []
  const loadedTools = loadedToolNames(request.messages)
  const remembered = rememberedTools(requestTools, loadedTools, report)
  const tools = toolFields(
    remembered?.tools ?? convertToolList(requestTools, loadedTools, report),
    request.tool_choice,
    report,
  )
  const body: ChatRequest = {
    model,
    messages,
    ...maxTokens(request, modelEntry, reasoningModel, report),
    ...sampling(request, reasoningModel, report),
    ...(request.stream === true ? { stream: true, stream_options: { include_usage: true } } : {}),
    ...tools,
    ...convertThinking({
      request,
      control: modelEntry.reasoning ?? inferReasoning(provider, model),
      report,
    }),
    ...hashedUser(request, report),
  }
  report.countCacheControl(request)
  for (const [key, value] of Object.entries(request)) {
    if (consumedFields.has(key) || value === undefined) continue
    report.add('dropped', key, unsupportedFields[key] ?? 'not supported by OpenAI Chat Completions')
  }
  // The marks kept are not dropped: the warning about them would be wrong.
  const warnings =
    marks === undefined
      ? report.list()
      : report.list().filter((warning) => warning.field !== 'cache_control')
  return remembered === undefined || tools.tools === undefined
    ? { body, warnings }
    : { body, warnings, toolsJson: remembered.json }
}

/**
 * The converted request as the JSON sent upstream. Remembered tools and a remembered system
 * prompt come with their JSON, already UTF-8: the rest is serialised and encoded around them,
 * rather than serialising them again and encoding the whole body (on a Claude Code request they
 * are three quarters of it). The members then come in another order: model and settings,
 * `messages`, `tools`.
 */
export function serializeChatRequest(
  converted: ConvertedRequest,
  /** Where to write it: fresh bytes unless given (the shared send buffer, see `sendBuffer`). */
  buffer: (length: number) => Uint8Array = (length) => new Uint8Array(length),
): string | Uint8Array {
  const { body, toolsJson } = converted
  const [first, ...others] = body.messages
  const systemJson = first === undefined ? undefined : rememberedMessageJson(first)
  if (toolsJson === undefined && systemJson === undefined) return JSON.stringify(body)
  const { tools: _tools, messages: _messages, ...rest } = body
  const head = JSON.stringify(rest)
  // All the messages; or a remembered system prompt's JSON, then the messages after it (their
  // opening bracket to become a comma) or the closing bracket. A conversation's long texts are
  // escaped once, not on every turn (`jsonBytes`).
  const messagesJson = systemJson === undefined ? jsonBytes(body.messages) : undefined
  const system =
    systemJson === undefined
      ? undefined
      : { json: systemJson, after: others.length === 0 ? closingBracket : jsonBytes(others) }
  const out = buffer(
    Buffer.byteLength(head) +
      messagesKey.length +
      (messagesJson?.byteLength ?? 0) +
      (system === undefined
        ? 0
        : openBracket.length + system.json.length + system.after.byteLength) +
      (toolsJson === undefined ? 0 : toolsKey.length + toolsJson.length),
  )
  // Written in place, each text encoded once: a closing or opening bracket that must go is
  // overwritten by what follows it, not sliced off the text (a copy of ~25 KB of UTF-16, or
  // ~600 KB in a long conversation).
  let at = encoder.encodeInto(head, out).written
  const bytes = (value: Uint8Array) => {
    out.set(value, at)
    at += value.length
  }
  at -= 1 // the closing brace
  bytes(messagesKey)
  if (messagesJson !== undefined) at = writeJsonBytes(messagesJson, out, at)
  if (system !== undefined) {
    bytes(openBracket)
    bytes(system.json)
    const afterAt = at
    at = writeJsonBytes(system.after, out, at)
    if (others.length > 0) out[afterAt] = comma // the system message comes before them
  }
  if (toolsJson !== undefined) {
    bytes(toolsKey)
    bytes(toolsJson)
  }
  bytes(closeBrace)
  // What was written, never more: a reused buffer holds another request's bytes past it.
  return out.subarray(0, at)
}

const encoder = new TextEncoder()
const messagesKey = encoder.encode(',"messages":')
const toolsKey = encoder.encode(',"tools":')
const openBracket = encoder.encode('[')
const closingBracket: JsonBytes = { pieces: [']'], byteLength: 1 }
const closeBrace = encoder.encode('}')
const comma = 0x2c

/** `max_tokens`, capped to the configured limit; OpenAI's reasoning models want the newer name. */
function maxTokens(
  request: MessagesRequest,
  modelEntry: ModelEntry,
  reasoningModel: boolean,
  report: WarningCollector,
): Pick<ChatRequest, 'max_tokens' | 'max_completion_tokens'> {
  let tokens = request.max_tokens
  if (tokens === undefined) return {}
  const limit = modelEntry.max_output_tokens
  if (limit !== undefined && tokens > limit) {
    report.add(
      'changed',
      'max_tokens',
      `capped from ${tokens} to the model's max_output_tokens ${limit}`,
    )
    tokens = limit
  }
  return reasoningModel ? { max_completion_tokens: tokens } : { max_tokens: tokens }
}

/**
 * Sampling settings. OpenAI's reasoning models reject `temperature` and `top_p` with a 400, so
 * they are dropped there (the spec says "pass through"; a failed request helps no one).
 */
function sampling(
  request: MessagesRequest,
  reasoningModel: boolean,
  report: WarningCollector,
): Pick<ChatRequest, 'temperature' | 'top_p' | 'stop'> {
  const fields: Pick<ChatRequest, 'temperature' | 'top_p' | 'stop'> = {}
  for (const key of ['temperature', 'top_p'] as const) {
    const value = request[key]
    if (value === undefined) continue
    if (reasoningModel) {
      report.add('dropped', key, 'OpenAI reasoning models reject sampling parameters')
    } else {
      fields[key] = value
    }
  }
  if (request.top_k !== undefined) {
    report.add('dropped', 'top_k', 'OpenAI Chat Completions has no top_k')
  }
  const stops = request.stop_sequences ?? []
  if (stops.length > maxStopSequences) {
    report.add(
      'changed',
      'stop_sequences',
      `OpenAI takes at most ${maxStopSequences}: only the first ${maxStopSequences} are sent`,
    )
  }
  if (stops.length > 0) fields.stop = stops.slice(0, maxStopSequences)
  return fields
}

/**
 * `metadata.user_id` → `user`, hashed: Claude Code's value holds its device and session ids,
 * which are not the provider's business; the hash still lets it tell users apart.
 *
 * @see https://platform.openai.com/docs/api-reference/chat/create#chat-create-user
 */
function hashedUser(request: MessagesRequest, report: WarningCollector): Pick<ChatRequest, 'user'> {
  const metadata = request.metadata ?? {}
  for (const [key, value] of Object.entries(metadata)) {
    if (key !== 'user_id' && value !== undefined) {
      report.add('dropped', `metadata.${key}`, 'only metadata.user_id is sent')
    }
  }
  const userId = metadata.user_id
  if (typeof userId !== 'string' || userId === '') return {}
  // The same id comes on every turn of a session: its hash is kept for the next request.
  if (userId !== lastUser.id) {
    const hash = new Bun.CryptoHasher('sha256').update(userId).digest('hex').slice(0, 32)
    lastUser = { id: userId, hash }
  }
  return { user: lastUser.hash }
}

let lastUser = { id: '', hash: '' }
