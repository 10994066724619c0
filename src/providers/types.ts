import type { ProviderSettings } from '../config/providers.ts'
import type { MessagesRequest } from '../protocol/messages.ts'
import type { BodyObservation } from '../observability/body-observation.ts'
import type { Logger } from '../observability/log.ts'
import type { EventObserver } from '../observability/sse-observer.ts'
import type { EndingRelay } from '../observability/stream-ending.ts'
import type { PluginChain } from '../plugins/run-plugins.ts'
import type { LearnedFacts } from '../store/learned.ts'

/** Everything an adapter needs to serve one request from one provider. */
export interface ProviderCall {
  provider: ProviderSettings
  /** The provider's model id, already routed. */
  model: string
  /** The parsed request; adapters never mutate it. */
  request: MessagesRequest
  /**
   * The request's bytes as the client sent them (re-serialised, when first asked for, only
   * when a subagent tag was taken out): `request` is their parse. For byte-preserving
   * passthrough, which writes its model's name over the client's in them (`replaceModel`):
   * the same buffer on every call, so a candidate tried after another finds the last one's name.
   */
  rawBody: () => Uint8Array
  /** The client's headers, for `anthropic-version` and `anthropic-beta`. */
  clientHeaders: Headers
  /** Aborted when the client goes away or the server gives up. */
  signal: AbortSignal
  /** Local estimate of the request's input tokens, for `message_start` before the real figure. */
  inputTokens: number
  /** Milliseconds to wait for the provider's response headers. */
  timeoutMs: number
  proxy: string | undefined
  /** What ccr learned about models from their providers (`src/store/learned.ts`). */
  learned?: LearnedFacts | undefined
  /** The provider's plugins for this model (`transformer.use`), run around the wire. */
  plugins: PluginChain | undefined
  log: Logger
}

/** What an adapter gives back. */
export interface ProviderAnswer {
  /** The answer in Anthropic's protocol, streamed when the request streamed. */
  response: Response
  /**
   * When the adapter made the Anthropic events itself (a translated stream), it has watched
   * them as it made them: the usage tap reads the summary here instead of parsing the bytes
   * back.
   */
  events?: EventObserver
  /** With `events`: the end of the body, told by the adapter that made it. */
  ending?: EndingRelay
  /**
   * When the adapter made a whole JSON message itself (a translated answer that was not
   * streamed): what it holds, so the usage tap records it without reading the body back.
   */
  observed?: BodyObservation
}

/**
 * A provider adapter: sends the request in the provider's protocol and returns the answer in
 * Anthropic's. Failures before the answer starts are thrown as `RouterError`s; failures after
 * that are reported inside the stream.
 */
export type ProviderAdapter = (call: ProviderCall) => Promise<ProviderAnswer>
