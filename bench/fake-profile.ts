/**
 * The shape of a fake answer: how many content chunks a stream has, how long the fake waits
 * before the first body byte and between chunks, and whether the answer ends in a tool call.
 * Written in a URL path segment as `c<chunks>-f<firstByteMs>-g<gapMs>-t<0|1>`, for example
 * `c100-f50-g10-t1`; a bare endpoint path uses the fake's start-up default.
 */
export interface FakeProfile {
  /** Content chunks of a stream (text and tool-argument deltas); a JSON answer holds the same text. */
  chunks: number
  /** Milliseconds before the first body byte of a stream. */
  firstByteMs: number
  /** Milliseconds between two chunks of a stream. */
  gapMs: number
  /** Whether about a quarter of the chunks are the arguments of one tool call. */
  tools: boolean
}

/** 100 chunks, no waiting, a tool call: the translation workload. */
export const defaultProfile: FakeProfile = { chunks: 100, firstByteMs: 0, gapMs: 0, tools: true }

/** `c100-f50-g10-t1` for the profile, the path segment `parseProfile` reads. */
export function profileSegment(profile: FakeProfile): string {
  const { chunks, firstByteMs, gapMs, tools } = profile
  return `c${chunks}-f${firstByteMs}-g${gapMs}-t${tools ? 1 : 0}`
}

/** The profile in a path segment, or undefined when the segment is not one. */
export function parseProfile(segment: string): FakeProfile | undefined {
  const match = /^c(\d+)-f(\d+)-g(\d+)-t([01])$/.exec(segment)
  if (match === null) return undefined
  const [, chunks, firstByteMs, gapMs, tools] = match
  return {
    chunks: Math.max(1, Number(chunks)),
    firstByteMs: Number(firstByteMs),
    gapMs: Number(gapMs),
    tools: tools === '1',
  }
}

/** The start-up default from `FAKE_CHUNKS`, `FAKE_FIRST_BYTE_MS`, `FAKE_GAP_MS`, `FAKE_TOOLS`. */
export function profileFromEnv(env: Record<string, string | undefined>): FakeProfile {
  const number = (value: string | undefined, fallback: number) =>
    value === undefined || value === '' || !Number.isFinite(Number(value))
      ? fallback
      : Number(value)
  return {
    chunks: Math.max(1, number(env.FAKE_CHUNKS, defaultProfile.chunks)),
    firstByteMs: number(env.FAKE_FIRST_BYTE_MS, defaultProfile.firstByteMs),
    gapMs: number(env.FAKE_GAP_MS, defaultProfile.gapMs),
    tools: env.FAKE_TOOLS === undefined ? defaultProfile.tools : env.FAKE_TOOLS !== '0',
  }
}
