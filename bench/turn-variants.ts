/**
 * Where the load generators number each request's newest turn: `#turn-0042#`, in a text block
 * of the request's last message (`withTurnMarker` in bodies.ts puts it there). A Claude Code
 * session never sends the same conversation twice, and ccr remembers the messages it has seen,
 * so a benchmark that replayed one body would measure a conversation that never grows.
 */
export const turnMarker = '#turn-0000#'

/** How many ways the turn is numbered: the load cycles through them. */
export const turnVariantCount = 64

/**
 * The body numbered each of `turnVariantCount` ways, all the same length; the body alone when
 * it has no marker. wrk-post.lua does the same for wrk.
 */
export function turnVariants(body: Uint8Array): Uint8Array[] {
  const text = Buffer.from(body.buffer, body.byteOffset, body.length)
  const at = text.indexOf(turnMarker)
  if (at < 0) return [body]
  return Array.from({ length: turnVariantCount }, (_, index) => {
    const variant = new Uint8Array(body)
    variant.set(Buffer.from(`#turn-${String(index).padStart(4, '0')}#`), at)
    return variant
  })
}
