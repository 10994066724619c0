/**
 * The signature ccr gives a thinking block it made from a provider's reasoning text. Anthropic
 * signs thinking blocks and rejects any signature it did not make, so blocks signed `ccr:` are
 * recognised and left out when the conversation moves to an Anthropic provider.
 */
export function thinkingSignature(provider: string): string {
  return `ccr:${provider}`
}

export function isCcrSignature(signature: unknown): boolean {
  return typeof signature === 'string' && signature.startsWith('ccr:')
}
