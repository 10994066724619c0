import { profileSegment, type FakeProfile } from './fake-profile.ts'

/** The upstream API a workload's provider speaks: translated (openai) or passed through. */
export type Protocol = 'openai' | 'anthropic'

/** One workload: the same request sent straight to the fake, and through ccr. */
export interface Workload {
  id: string
  /** One line for the tables. */
  title: string
  protocol: Protocol
  /** The fake's answer shape (chunks, pacing, tool call). */
  profile: FakeProfile
  stream: boolean
  /** Concurrent connections in a full run; a smoke run uses at most `smokeConcurrency`. */
  concurrency: number
  /** The fixture as recorded (about 50 KB), or grown to a few hundred KB. */
  body: 'claude-code' | 'long-context'
  /**
   * `default`: the fixture's own model name, which ccr sends to `Router.default`, as a plain
   * Claude Code session does. `explicit`: the model field is `"<provider>,<model>"`, as
   * `ccr code --model` sends it, to reach a provider with another answer shape.
   */
  route: 'default' | 'explicit'
  /**
   * The Bun client's workers start spread over this many ms. Streams that all take the same
   * time would otherwise keep starting together, each request queued behind the others of its
   * round, which independent sessions never do. Set to the paced stream's length.
   */
  spreadMs?: number
}

/** The upstream model id every OpenAI workload is routed to. */
export const openAIModel = 'bench-model'
/** The upstream model id of the Anthropic provider: the fixture's own. */
export const anthropicModel = 'claude-opus-5-5'

const fast: FakeProfile = { chunks: 100, firstByteMs: 0, gapMs: 0, tools: true }
const paced: FakeProfile = { chunks: 100, firstByteMs: 50, gapMs: 10, tools: true }

/** The workloads measured side by side, in the order they run. */
export const workloads: Workload[] = [
  {
    id: 'nonstream-c1',
    title: 'non-streaming, concurrency 1',
    protocol: 'openai',
    profile: fast,
    stream: false,
    concurrency: 1,
    body: 'claude-code',
    route: 'default',
  },
  {
    id: 'nonstream-c50',
    title: 'non-streaming, concurrency 50',
    protocol: 'openai',
    profile: fast,
    stream: false,
    concurrency: 50,
    body: 'claude-code',
    route: 'default',
  },
  {
    id: 'stream-c50',
    title: 'streaming 100 chunks (translated), concurrency 50',
    protocol: 'openai',
    profile: fast,
    stream: true,
    concurrency: 50,
    body: 'claude-code',
    route: 'default',
  },
  {
    id: 'paced-stream-c10',
    title: 'paced stream, 100 chunks 10 ms apart, concurrency 10',
    protocol: 'openai',
    profile: paced,
    stream: true,
    concurrency: 10,
    body: 'claude-code',
    route: 'explicit',
    spreadMs: paced.firstByteMs + paced.chunks * paced.gapMs,
  },
  {
    id: 'long-context-c10',
    title: 'long context (~300 KB body), non-streaming, concurrency 10',
    protocol: 'openai',
    profile: fast,
    stream: false,
    concurrency: 10,
    body: 'long-context',
    route: 'default',
  },
  {
    id: 'passthrough-nonstream-c50',
    title: 'Anthropic passthrough, non-streaming, concurrency 50',
    protocol: 'anthropic',
    profile: fast,
    stream: false,
    concurrency: 50,
    body: 'claude-code',
    route: 'explicit',
  },
  {
    id: 'passthrough-stream-c50',
    title: 'Anthropic passthrough, streaming 100 chunks, concurrency 50',
    protocol: 'anthropic',
    profile: fast,
    stream: true,
    concurrency: 50,
    body: 'claude-code',
    route: 'explicit',
  },
]

/** The memory workload: many slow streams open at once, through ccr, in rounds. */
export const slowStreams = {
  id: 'slow-streams-500',
  title: '500 concurrent slow streams (50 chunks, 200 ms to first byte, 40 ms apart)',
  protocol: 'openai' as Protocol,
  profile: { chunks: 50, firstByteMs: 200, gapMs: 40, tools: true } satisfies FakeProfile,
  streams: 500,
  rounds: 10,
}

/** The provider a workload is routed to: one per protocol and answer shape. */
export function providerName(protocol: Protocol, profile: FakeProfile): string {
  return `${protocol}-${profileSegment(profile)}`
}

/** The provider `Router.default` names: OpenAI with the fast profile. */
export const defaultProvider = providerName('openai', fast)
