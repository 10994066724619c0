import { RouterError, messageOf } from '../lib/errors.ts'
import type { ProviderCall } from './types.ts'

export interface UpstreamRequest {
  url: string
  headers: Record<string, string>
  body: string | Uint8Array
}

/**
 * Posts to a provider. `timeoutMs` (API_TIMEOUT_MS) bounds how long the provider may stay
 * silent: before its response headers (this function's timer, to the millisecond) and within
 * its answer (Bun's idle timer, to a few seconds), so a long answer that keeps coming is never
 * cut off and a dead connection is. Network failures become retryable `RouterError`s that name
 * the provider and the URL; a client that went away aborts the upstream call.
 */
export async function postUpstream(
  call: Pick<ProviderCall, 'provider' | 'signal' | 'timeoutMs' | 'proxy'>,
  request: UpstreamRequest,
): Promise<Response> {
  const timeout = new AbortController()
  const timer = setTimeout(() => timeout.abort(), call.timeoutMs)
  try {
    return await fetch(request.url, {
      method: 'POST',
      headers: request.headers,
      body: request.body,
      signal: AbortSignal.any([call.signal, timeout.signal]),
      // Without it Bun cuts any fetch silent for 5 minutes (BUN_CONFIG_HTTP_IDLE_TIMEOUT): a slow
      // provider would fail before API_TIMEOUT_MS (10 minutes by default) had passed.
      timeout: call.timeoutMs,
      ...(call.proxy === undefined ? {} : { proxy: call.proxy }),
    })
  } catch (error) {
    if (call.signal.aborted) throw error
    const name = call.provider.name
    if (timeout.signal.aborted) {
      throw new RouterError('upstream_timeout', {
        status: 504,
        retryable: true,
        message: `Provider "${name}" did not answer within ${call.timeoutMs} ms (${request.url})`,
        hint: 'raise API_TIMEOUT_MS in config.json if the model is slow to start',
        cause: error,
      })
    }
    throw new RouterError('upstream_unreachable', {
      status: 502,
      errorType: 'api_error',
      retryable: true,
      message: `ccr could not reach provider "${name}" at ${request.url}: ${networkReason(error)}`,
      hint: "check the provider's api_base_url, that the server is running, and PROXY_URL",
      cause: error,
    })
  } finally {
    clearTimeout(timer)
  }
}

function networkReason(error: unknown): string {
  const code = (error as { code?: unknown } | null)?.code
  return typeof code === 'string' ? `${code} (${messageOf(error)})` : messageOf(error)
}
