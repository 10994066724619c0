const alphabet = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz'

/** Makes ids in Anthropic's style (`msg_…`, `toolu_…`); tests pass a predictable one. */
export type NewId = (prefix: 'msg' | 'toolu') => string

/** `prefix_` and 24 random base-62 characters, the shape of Anthropic's own ids. */
export const randomId: NewId = (prefix) => {
  const bytes = crypto.getRandomValues(new Uint8Array(24))
  let suffix = ''
  // 62 does not divide 256, so the first few letters are slightly likelier; fine for an id.
  for (const byte of bytes) suffix += alphabet[byte % alphabet.length]
  return `${prefix}_${suffix}`
}
