import { RouterError } from '../lib/errors.ts'

/**
 * A provider's non-2xx answer, as the error Claude Code should see. Statuses keep their
 * meaning (429 and 5xx stay retryable, `retry-after` is passed on), with one exception: a
 * provider rejecting its own key (401/403) is reported as 403, because Claude Code retries a
 * 401 for minutes and then tells the user their Anthropic key is wrong.
 */
export async function upstreamError(
  providerName: string,
  response: Response,
): Promise<RouterError> {
  const status = response.status
  const detail = extractMessage(await readLimited(response, 16 * 1024))
  const retryAfter = response.headers.get('retry-after') ?? undefined
  const said = detail === '' ? '' : `: ${detail}`
  if (status === 401 || status === 403) {
    return new RouterError('upstream_auth', {
      status: 403,
      errorType: 'permission_error',
      message: `Provider "${providerName}" rejected ccr's request with HTTP ${status}${said}`,
      hint: `check Providers[].api_key of "${providerName}" in ccr's config.json; this is not about Claude Code's own login`,
    })
  }
  const retryable = status === 408 || status === 409 || status === 429 || status >= 500
  return new RouterError('upstream_error', {
    // Anything that is not a real HTTP error status is reported as a bad gateway.
    status: status >= 400 && status <= 599 ? status : 502,
    retryable,
    ...(retryAfter === undefined ? {} : { retryAfter }),
    message: `Provider "${providerName}" answered HTTP ${status}${said}`,
  })
}

/** The human part of an error body in the shapes providers use. */
export function extractMessage(text: string): string {
  const trimmed = text.trim()
  if (trimmed === '') return ''
  try {
    const body: unknown = JSON.parse(trimmed)
    const candidates = [
      pick(body, 'error', 'message'),
      pick(body, 'message'),
      pick(body, 'error'),
      pick(body, 'detail'),
      pick(body, 'error', 'type'),
    ]
    const found = candidates.find((candidate) => typeof candidate === 'string' && candidate !== '')
    if (typeof found === 'string') return found
  } catch {
    // Not JSON: fall through to the text itself.
  }
  return trimmed.length > 500 ? `${trimmed.slice(0, 500)}…` : trimmed
}

function pick(value: unknown, ...keys: string[]): unknown {
  let current = value
  for (const key of keys) {
    if (typeof current !== 'object' || current === null) return undefined
    current = (current as Record<string, unknown>)[key]
  }
  return current
}

async function readLimited(response: Response, limit: number): Promise<string> {
  try {
    const text = await response.text()
    return text.length > limit ? text.slice(0, limit) : text
  } catch {
    return ''
  }
}
