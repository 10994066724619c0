import { isContentBlock, type MessagesRequest, type WireBlock } from '../protocol/messages.ts'

const tag = /<CCR-SUBAGENT-MODEL>\s*([^<]*?)\s*<\/CCR-SUBAGENT-MODEL>\n?/

/**
 * Finds `<CCR-SUBAGENT-MODEL>provider,model</CCR-SUBAGENT-MODEL>` (written by the user into a
 * subagent's prompt) anywhere in the system prompt or the first user message, and returns the
 * model with a copy of the request that no longer contains the tag. CCR read it only from
 * `system[1]`, which broke when Claude Code moved the subagent prompt.
 */
export function extractSubagentTag(
  request: MessagesRequest,
): { model: string; request: MessagesRequest } | undefined {
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

  const firstUser = request.messages.findIndex((message) => message.role === 'user')
  let messages = request.messages
  const first = request.messages[firstUser]
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

function stripBlock(block: WireBlock, strip: (text: string) => string): WireBlock {
  if (
    !isContentBlock(block) ||
    block.type !== 'text' ||
    !block.text.includes('<CCR-SUBAGENT-MODEL>')
  )
    return block
  const stripped = { ...block, text: strip(block.text) }
  return stripped
}
