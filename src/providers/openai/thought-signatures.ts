import { recentMap } from '../../lib/memo.ts'
import { isRecord } from '../../lib/is-record.ts'

/**
 * Gemini's thought signatures through its OpenAI-compatible endpoint. Gemini 3 signs each
 * step's function calls (`extra_content.google.thought_signature` on a tool call) and refuses,
 * with a 400, a conversation whose calls come back without their signature: without this, every
 * Claude Code tool loop on Gemini 3 failed at its second request. Anthropic's tool_use blocks
 * have no room for it, so the signatures are remembered here by tool call id (ids are unique
 * per call) and put back when the conversation returns. A call ccr has no signature for (made by
 * another model, or before a restart) is sent with the value Google documents for histories
 * it did not make, which skips the check.
 *
 * @see https://ai.google.dev/gemini-api/docs/thought-signatures
 * @see https://ai.google.dev/gemini-api/docs/openai#thinking
 */

/** Google's documented stand-in for a signature ccr does not have. */
export const skipSignature = 'skip_thought_signature_validator'

/** Signatures run to a few KB; a long session's calls fit many times over. */
const remembered = recentMap<string>(4096)

/** The signature a provider put on a tool call (streamed fragment or whole), if any. */
export function signatureOf(toolCall: unknown): string | undefined {
  if (!isRecord(toolCall) || !isRecord(toolCall.extra_content)) return undefined
  const google = toolCall.extra_content.google
  if (!isRecord(google) || typeof google.thought_signature !== 'string') return undefined
  return google.thought_signature === '' ? undefined : google.thought_signature
}

/** Remembers a call's signature; the oldest are forgotten past the limit. */
export function rememberSignature(toolCallId: string, signature: string): void {
  remembered.set(toolCallId, signature)
}

export function rememberedSignature(toolCallId: string): string | undefined {
  return remembered.get(toolCallId)
}

/** Whether the endpoint is Google's (Gemini API or Vertex AI), which checks signatures. */
export function checksSignatures(hostname: string | undefined): boolean {
  return hostname !== undefined && hostname.endsWith('googleapis.com')
}
