import {
  isContentBlock,
  type MessagesRequest,
  type TextBlock,
  type WireBlock,
} from '../protocol/messages.ts'
import { isRemembered } from '../protocol/parse-request.ts'

const opening = '<CCR-SUBAGENT-MODEL>'
const tag = /<CCR-SUBAGENT-MODEL>\s*([^<]*?)\s*<\/CCR-SUBAGENT-MODEL>\n?/

/**
 * Finds `<CCR-SUBAGENT-MODEL>provider,model</CCR-SUBAGENT-MODEL>` (written by the user into a
 * subagent's prompt) anywhere in the system prompt or the first user message, and returns the
 * model with a copy of the request that no longer contains the tag. CCR read it only from
 * `system[1]`, which broke when Claude Code moved the subagent prompt. A request without the tag
 * (nearly all) is only read: nothing is copied.
 */
export function extractSubagentTag(
  request: MessagesRequest,
): { model: string; request: MessagesRequest } | undefined {
  const firstUser = request.messages.findIndex((message) => message.role === 'user')
  const first = request.messages[firstUser]
  if (!mayHoldTag(request.system, request.system) && !mayHoldTag(first, first?.content))
    return undefined
  let model: string | undefined
  const strip = (text: string): string =>
    text.replace(tag, (_whole, found: string) => {
      model ??= found
      return ''
    })

  const system = request.system
  let newSystem = system
  if (typeof system === 'string') newSystem = strip(system)
  else if (system !== undefined) newSystem = system.map((block) => stripBlock(block, strip))

  let messages = request.messages
  if (first !== undefined) {
    const content =
      typeof first.content === 'string'
        ? strip(first.content)
        : first.content.map((block) => stripBlock(block, strip))
    messages = request.messages.with(firstUser, { ...first, content })
  }
  if (model === undefined || model === '') return undefined
  return {
    model,
    request: { ...request, ...(newSystem === undefined ? {} : { system: newSystem }), messages },
  }
}

/**
 * Whether a text, or a text block among these, holds the tag's opening. Searching costs ~10 µs
 * of a Claude Code request (a long system prompt, a long first message), and both are the same
 * remembered, frozen values on every request of a session (`isRemembered`): for those, the
 * answer is kept by their identity.
 */
function mayHoldTag(owner: unknown, content: Content | undefined): boolean {
  if (typeof owner !== 'object' || owner === null || !isRemembered(owner)) return searchTag(content)
  let found = searched.get(owner)
  if (found === undefined) searched.set(owner, (found = searchTag(content)))
  return found
}

type Content = string | readonly WireBlock[]
const searched = new WeakMap<object, boolean>()

function searchTag(content: Content | undefined): boolean {
  if (typeof content === 'string') return content.includes(opening)
  return content?.some(isTaggedText) ?? false
}

function isTaggedText(block: WireBlock): block is TextBlock {
  return isContentBlock(block) && block.type === 'text' && block.text.includes(opening)
}

function stripBlock(block: WireBlock, strip: (text: string) => string): WireBlock {
  return isTaggedText(block) ? { ...block, text: strip(block.text) } : block
}
