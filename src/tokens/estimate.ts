import type { CountTokensRequest, Tool } from '../protocol/messages.ts'
import { isRemembered } from '../protocol/parse-request.ts'
import type { TokenCounter } from './counter.ts'

/** Claude's cost of an image of the usual size, since the pixels are not decoded here. */
const imageTokens = 1600
/** Framing tokens around each message and each tool definition. */
const messageOverhead = 4
const toolOverhead = 8

/**
 * An estimate of a request's input tokens: system, messages (text, tool calls and results,
 * thinking, documents) and tool definitions. Each piece of text goes through the cached
 * counter, so a conversation that grew by one message costs one message.
 */
export function estimateInputTokens(
  request: Pick<CountTokensRequest, 'system' | 'messages' | 'tools'>,
  counter: TokenCounter,
): number {
  const system = request.system
  let total = 0
  if (typeof system === 'string') total += counter.count(system)
  else if (system !== undefined) total += tokensOnce(system, () => blocksTokens(system, counter))
  for (const message of request.messages) {
    const content = message.content
    total +=
      messageOverhead +
      tokensOnce(message, () =>
        typeof content === 'string' ? counter.count(content) : blocksTokens(content, counter),
      )
  }
  const tools = request.tools ?? []
  return total + tokensOnce(tools, () => toolTokens(tools, counter))
}

/**
 * A value's tokens, counted once when the request parser remembered it (Claude Code's tools,
 * system prompt and the messages it sends again: the same frozen object for the same text on
 * every request).
 */
function tokensOnce(value: object, count: () => number): number {
  if (!isRemembered(value)) return count()
  let tokens = rememberedTokens.get(value)
  if (tokens === undefined) {
    tokens = count()
    rememberedTokens.set(value, tokens)
  }
  return tokens
}

const rememberedTokens = new WeakMap<object, number>()

function blocksTokens(blocks: readonly Record<string, unknown>[], counter: TokenCounter): number {
  let total = 0
  for (const block of blocks) total += blockTokens(block, counter)
  return total
}

function toolTokens(tools: readonly Tool[], counter: TokenCounter): number {
  let total = 0
  for (const tool of tools) {
    total += toolOverhead + counter.count(tool.name)
    if (tool.description !== undefined) total += counter.count(tool.description)
    if (tool.input_schema !== undefined) total += jsonTokens(tool.input_schema)
  }
  return total
}

function blockTokens(block: Record<string, unknown>, counter: TokenCounter): number {
  switch (block.type) {
    case 'text':
      return typeof block.text === 'string' ? counter.count(block.text) : 0
    case 'thinking':
      return typeof block.thinking === 'string' ? counter.count(block.thinking) : 0
    case 'image':
      return imageTokens
    case 'tool_use':
      return (
        counter.count(String(block.name ?? '')) + counter.count(JSON.stringify(block.input ?? {}))
      )
    case 'tool_result': {
      const content = block.content
      if (typeof content === 'string') return counter.count(content)
      if (!Array.isArray(content)) return 0
      return content.reduce<number>(
        (sum, inner: unknown) => sum + (isBlock(inner) ? blockTokens(inner, counter) : 0),
        0,
      )
    }
    case 'document': {
      const source = block.source as Record<string, unknown> | undefined
      if (typeof source?.data === 'string') {
        // A PDF's text is not extracted here; its size stands in for it.
        return source.type === 'text'
          ? counter.count(source.data)
          : Math.ceil(source.data.length / 4)
      }
      return imageTokens
    }
    default:
      // Blocks this estimate does not know (server tool results, …): their JSON size.
      return counter.count(JSON.stringify(block))
  }
}

/**
 * Tokens of a JSON value (a tool's schema, a tool call's input) from the length its text
 * would have, without writing the text: JSON runs about 4.2 characters a token (tokenx on
 * Claude Code's tools), and the schemas come again on every request.
 */
function jsonTokens(value: unknown): number {
  return Math.ceil(jsonLength(value) / 4.2)
}

function jsonLength(value: unknown): number {
  if (typeof value === 'string') return value.length + 2
  if (typeof value !== 'object' || value === null) return String(value).length
  let length = 2
  if (Array.isArray(value)) {
    for (const item of value) length += jsonLength(item) + 1
  } else {
    // Parsed JSON has no inherited keys; for…in walks without building an array per object.
    for (const key in value)
      length += key.length + 4 + jsonLength((value as Record<string, unknown>)[key])
  }
  return length
}

function isBlock(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null
}
