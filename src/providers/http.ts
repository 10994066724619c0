import { RouterError, messageOf } from '../lib/errors.ts'
import type { ProviderCall } from './types.ts'

export interface UpstreamRequest {
  url: string
  headers: Record<string, string>
  body: string | Uint8Array
}

/** What `postUpstream`'s timer settles with: the provider sent no headers within `timeoutMs`. */
const silent = Symbol('silent')

/**
 * Posts to a provider. `timeoutMs` (API_TIMEOUT_MS) bounds how long the provider may stay
 * silent: before its response headers (this function's timer, to the millisecond) and within
 * its answer (Bun's idle timer, to a few seconds), so a long answer that keeps coming is never
 * cut off and a dead connection is. Network failures become retryable `RouterError`s that name
 * the provider and the URL; a client that went away aborts the upstream call.
 *
 * The fetch gets the client's own signal, not one combined with a timeout's (`AbortSignal.any`):
 * those two signals per request lengthened every garbage collection by ~0.1 ms (p99 at
 * concurrency 1 by ~0.3 ms). So a fetch the timer gave up on is not aborted: if its answer still
 * comes, its body is cancelled at once; if not, Bun's idle timer ends it moments later, since it
 * has been silent as long.
 */
export async function postUpstream(
  call: Pick<ProviderCall, 'provider' | 'signal' | 'timeoutMs' | 'proxy'>,
  request: UpstreamRequest,
): Promise<Response> {
  let timer: ReturnType<typeof setTimeout> | undefined
  const timedOut = new Promise<typeof silent>((resolve) => {
    timer = setTimeout(() => resolve(silent), call.timeoutMs)
  })
  try {
    const answer = fetch(request.url, {
      method: 'POST',
      headers: request.headers,
      body: request.body,
      signal: call.signal,
      // Without it Bun cuts any fetch silent for 5 minutes (BUN_CONFIG_HTTP_IDLE_TIMEOUT): a slow
      // provider would fail before API_TIMEOUT_MS (10 minutes by default) had passed.
      timeout: call.timeoutMs,
      ...(call.proxy === undefined ? {} : { proxy: call.proxy }),
    })
    const first = await Promise.race([answer, timedOut])
    if (first !== silent) return first
    answer.then((late) => late.body?.cancel().catch(noop), noop)
    throw new RouterError('upstream_timeout', {
      status: 504,
      retryable: true,
      message: `Provider "${call.provider.name}" did not answer within ${call.timeoutMs} ms (${request.url})`,
      hint: 'raise API_TIMEOUT_MS in config.json if the model is slow to start',
    })
  } catch (error) {
    if (error instanceof RouterError || call.signal.aborted) throw error
    throw new RouterError('upstream_unreachable', {
      status: 502,
      errorType: 'api_error',
      retryable: true,
      message: `ccr could not reach provider "${call.provider.name}" at ${request.url}: ${networkReason(error)}`,
      hint: "check the provider's api_base_url, that the server is running, and PROXY_URL",
      cause: error,
    })
  } finally {
    clearTimeout(timer)
  }
}

const noop = () => {}

function networkReason(error: unknown): string {
  const code = (error as { code?: unknown } | null)?.code
  return typeof code === 'string' ? `${code} (${messageOf(error)})` : messageOf(error)
}
