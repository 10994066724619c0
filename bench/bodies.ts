import { readFileSync } from 'node:fs'
import { join, resolve } from 'node:path'
import type { ProviderConfig } from '../src/config/schema.ts'
import { resolveProvider } from '../src/config/providers.ts'
import { effectiveModel } from '../src/pricing/catalog.ts'
import { MessagesRequest } from '../src/protocol/messages.ts'
import { parseBody } from '../src/protocol/parse.ts'
import { convertRequest, serializeChatRequest } from '../src/providers/openai/convert-request.ts'
import { parseMessagesRequest } from '../src/protocol/parse-request.ts'
import { replaceModel } from '../src/providers/anthropic/replace-model.ts'
import { turnMarker } from './turn-variants.ts'

export const repoRoot = resolve(import.meta.dir, '..')

/**
 * The recorded Claude Code request the workloads send: the second turn of `claude -p` (a Bash
 * tool result), 12 tools, a long system prompt, about 50 KB. `test/fixtures/claude-code/` is
 * the repository's copy of `shared/fixtures/claude-code/`.
 */
export const fixtureFile = join(
  repoRoot,
  'test/fixtures/claude-code/print-bash/02-main-turn2-tool-result-stream.request.json',
)

/** Headers that describe the hop (or were sanitized away), not the request. */
const hopHeaders = new Set(['host', 'content-length', 'connection', 'accept-encoding'])

/** A recorded request: its headers (as Claude Code sent them) and its body. */
export interface RecordedRequest {
  headers: Record<string, string>
  body: Record<string, unknown>
}

/** The fixture, with hop headers dropped. */
export function loadFixture(file = fixtureFile): RecordedRequest {
  const recorded = JSON.parse(readFileSync(file, 'utf8')) as RecordedRequest
  const headers = Object.fromEntries(
    Object.entries(recorded.headers).filter(([name]) => !hopHeaders.has(name.toLowerCase())),
  )
  return { headers, body: recorded.body }
}

/** The body with `stream` and, when given, `model` replaced; key order is kept. */
export function anthropicBody(
  body: Record<string, unknown>,
  options: { stream: boolean; model?: string },
): string {
  return JSON.stringify({ ...body, stream: options.stream, model: options.model ?? body.model })
}

/**
 * The same conversation grown to about `targetBytes` with the turns of a long session: the
 * model reads file after file, each a numbered listing of about 20 KB, as Claude Code's Read
 * tool returns it. Deterministic: the listings are made from the fixture's own tool texts.
 */
export function longContextBody(body: Record<string, unknown>, targetBytes: number) {
  const source = JSON.stringify(body.tools).replaceAll('\\n', '\n')
  const lines = source.match(/.{1,96}/g) ?? []
  const messages = [...(body.messages as unknown[])]
  let size = JSON.stringify(body).length
  for (let round = 1; size < targetBytes; round++) {
    const start = (round * 97) % Math.max(1, lines.length - 220)
    const listing = lines
      .slice(start, start + 210)
      .map((line, index) => `${String(start + index + 1).padStart(6)}\t${line}`)
      .join('\n')
    const id = `toolu_long${String(round).padStart(4, '0')}`
    const turn = [
      {
        role: 'assistant',
        content: [
          { type: 'text', text: `Let me read the next part of the code (${round}).` },
          {
            type: 'tool_use',
            id,
            name: 'Read',
            input: { file_path: `/home/user/project/src/module-${round}.ts` },
          },
        ],
      },
      { role: 'user', content: [{ type: 'tool_result', tool_use_id: id, content: listing }] },
    ]
    messages.push(...turn)
    size += JSON.stringify(turn).length
  }
  return { ...body, messages }
}

/** The body with a text block holding `turnMarker` (turn-variants.ts) in its last message. */
export function withTurnMarker(body: Record<string, unknown>): Record<string, unknown> {
  const messages = [...(body.messages as { role: string; content: unknown }[])]
  const last = messages.at(-1)
  if (last === undefined) return body
  const content =
    typeof last.content === 'string'
      ? [{ type: 'text', text: last.content }]
      : (last.content as unknown[])
  messages[messages.length - 1] = {
    ...last,
    content: [...content, { type: 'text', text: `Turn ${turnMarker}.` }],
  }
  return { ...body, messages }
}

/**
 * What an OpenAI client sends for the same request: the body ccr itself builds for `provider`
 * and `model`, so the direct run and the ccr run put the same bytes on the upstream's wire.
 */
export function openAIBody(anthropicText: string, provider: ProviderConfig, model: string): string {
  const settings = resolveProvider(provider)
  const converted = convertRequest({
    // As ccr parses it: the tools remembered, so the body is assembled as ccr's is.
    request: parseMessagesRequest(new TextEncoder().encode(anthropicText)),
    model,
    provider: settings,
    modelEntry: effectiveModel(settings, model),
  })
  const body = serializeChatRequest(converted)
  return typeof body === 'string' ? body : new TextDecoder().decode(body)
}

/**
 * What an Anthropic client sends for the same request: the Claude Code body with `model`
 * written in as ccr's passthrough writes it (over the client's name, spaces after a shorter
 * one), so both sides put the same bytes on the upstream's wire.
 */
export function anthropicUpstreamBody(anthropicText: string, model: string): string {
  const body = replaceModel(new TextEncoder().encode(anthropicText), model)
  if (body === undefined) throw new Error('the benchmark body has no model')
  return new TextDecoder().decode(body)
}

/** The headers ccr's OpenAI adapter sends upstream, which is what an OpenAI client sends. */
export function openAIHeaders(stream: boolean, apiKey: string): Record<string, string> {
  return {
    'content-type': 'application/json',
    accept: stream ? 'text/event-stream' : 'application/json',
    authorization: `Bearer ${apiKey}`,
  }
}
