import type { FakeProfile } from './fake-profile.ts'

/**
 * What a fake answer says, independent of the wire format: text pieces (each one stream chunk),
 * then optionally one tool call whose JSON arguments arrive in pieces.
 */
export interface AnswerContent {
  text: string[]
  tool: { id: string; name: string; arguments: string[] } | undefined
  inputTokens: number
  outputTokens: number
}

/**
 * One answer as it goes over the wire: `units[i]` is sent at `firstByteMs + i * gapMs`, and
 * `whole` is all of them as one buffer (a stream without pacing, or a JSON body).
 */
export interface EncodedAnswer {
  contentType: string
  units: Uint8Array[]
  whole: Uint8Array
}

const words =
  'I ran the tests and two of them fail because the parser splits the line on commas before ' +
  'it has read the quoted field to its end, so I will change it to scan the whole line first. '

/** The pieces of an answer with `profile.chunks` chunks, a quarter of them tool arguments. */
export function answerContent(profile: FakeProfile): AnswerContent {
  const toolChunks = profile.tools && profile.chunks >= 4 ? Math.floor(profile.chunks / 4) : 0
  const textChunks = profile.chunks - toolChunks
  const pieces = words.split(/(?= )/)
  const text = Array.from({ length: textChunks }, (_, index) => pieces[index % pieces.length] ?? '')
  return {
    text,
    tool: toolChunks === 0 ? undefined : toolCall(toolChunks),
    inputTokens: 12_311,
    outputTokens: profile.chunks,
  }
}

function toolCall(pieces: number): NonNullable<AnswerContent['tool']> {
  const command = 'bun test test/router/route.test.ts '.repeat(Math.ceil((pieces * 9) / 35)).trim()
  const json = JSON.stringify({ command, description: 'Run the routing tests' })
  const size = Math.ceil(json.length / pieces)
  const fragments = Array.from({ length: pieces }, (_, index) =>
    json.slice(index * size, (index + 1) * size),
  )
  return { id: 'call_bench0001', name: 'Bash', arguments: fragments }
}

const encoder = new TextEncoder()

/** Encodes units of text and their concatenation once, so serving them costs only a write. */
export function encodeUnits(contentType: string, units: string[]): EncodedAnswer {
  return {
    contentType,
    units: units.map((unit) => encoder.encode(unit)),
    whole: encoder.encode(units.join('')),
  }
}
