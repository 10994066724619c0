import { isRecord } from '../lib/is-record.ts'
import type { MessagesRequest } from '../protocol/messages.ts'

/** What identifies an answer: where the request goes and what it asks. */
export interface CacheKeyInput {
  /** The route target, `"<provider>,<model>"`. */
  reference: string
  request: MessagesRequest
}

/**
 * The response cache's key: the SHA-256 (hex) of a canonical JSON of everything that can change
 * the answer, and nothing that cannot.
 *
 * - The route target stands for `model`: the name Claude Code sent is an alias that routing has
 *   already resolved, and the same name can go to different providers.
 * - `metadata` (a per-user, per-session id) is left out: it never changes the answer, and
 *   keeping it would stop two sessions from sharing one.
 * - `stream` is left out: a streamed and a non-streamed request get the same message, and a hit
 *   is replayed in whichever form was asked for.
 * - Every other top-level field counts, known (`system`, `messages`, `tools`, `tool_choice`,
 *   `thinking`, `output_config`, `max_tokens`, sampling) or not: a field ccr does not know yet
 *   may well change the answer, and a miss costs less than a wrong hit.
 * - Object keys are sorted at every depth: JSON key order means nothing.
 * - `cache_control` markers go: Claude Code moves them to the newest turn each time, and they
 *   only tell the provider what to cache, not what to say. They are removed where Anthropic
 *   defines them (the request, system blocks, message blocks, tool results' blocks, tools), not
 *   from tool inputs or schemas, where a key of that name is the user's data.
 * - Tool ids become `tool-1`, `tool-2`, … in order of first appearance, in `tool_use` blocks
 *   (and their server and MCP kin) and in every `tool_use_id`: they are random per call, so two
 *   sessions asking the same thing differ only there, and the model reads the pairing, not the
 *   letters.
 *
 * @see https://docs.anthropic.com/en/api/messages
 */
export function cacheKey(input: CacheKeyInput): string {
  const { metadata: _metadata, stream: _stream, model: _model, ...asked } = input.request
  const toolIds = new Map<string, string>()
  const normalised = {
    target: input.reference,
    request: {
      ...withoutCacheControl(asked),
      ...(asked.system === undefined ? {} : { system: normaliseContent(asked.system, toolIds) }),
      messages: asked.messages.map((message) => ({
        ...withoutCacheControl(message),
        content: normaliseContent(message.content, toolIds),
      })),
      ...(asked.tools === undefined ? {} : { tools: asked.tools.map(withoutCacheControl) }),
    },
  }
  return new Bun.CryptoHasher('sha256').update(canonicalJson(normalised)).digest('hex')
}

/** A content field (a string, or a list of blocks) without markers and with positional ids. */
function normaliseContent(content: unknown, toolIds: Map<string, string>): unknown {
  if (!Array.isArray(content)) return content
  return content.map((block: unknown) => normaliseBlock(block, toolIds))
}

function normaliseBlock(block: unknown, toolIds: Map<string, string>): unknown {
  if (!isRecord(block)) return block
  const normalised: Record<string, unknown> = withoutCacheControl(block)
  const placeholder = (id: string) => {
    const known = toolIds.get(id)
    if (known !== undefined) return known
    const next = `tool-${toolIds.size + 1}`
    toolIds.set(id, next)
    return next
  }
  // `tool_use`, `server_tool_use`, `mcp_tool_use`: the block that opens a call.
  if (typeof block.type === 'string' && block.type.endsWith('tool_use')) {
    if (typeof block.id === 'string') normalised.id = placeholder(block.id)
  }
  // `tool_result` and the server tools' results: the block that answers one.
  if (typeof block.tool_use_id === 'string') normalised.tool_use_id = placeholder(block.tool_use_id)
  if (block.type === 'tool_result') normalised.content = normaliseContent(block.content, toolIds)
  return normalised
}

function withoutCacheControl<T extends object>(value: T): Omit<T, 'cache_control'> {
  const { cache_control: _marker, ...rest } = value as T & { cache_control?: unknown }
  return rest
}

/** JSON with object keys sorted at every depth; `undefined` fields are left out, as JSON does. */
function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_key, field: unknown) => {
    if (!isRecord(field)) return field
    const sorted: Record<string, unknown> = {}
    for (const key of Object.keys(field).sort()) sorted[key] = field[key]
    return sorted
  })
}
