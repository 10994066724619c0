import { RouterError, messageOf, type AnthropicErrorType } from '../lib/errors.ts'

/**
 * Anthropic's error envelope. Claude Code shows `error.message` to the user verbatim, so
 * messages name the cause and the fix.
 *
 * @see https://docs.anthropic.com/en/api/errors
 */
export interface ErrorBody {
  type: 'error'
  error: { type: AnthropicErrorType; message: string }
}

export function errorTypeForStatus(status: number): AnthropicErrorType {
  switch (status) {
    case 400:
    case 422:
      return 'invalid_request_error'
    case 401:
      return 'authentication_error'
    case 403:
      return 'permission_error'
    case 404:
      return 'not_found_error'
    case 413:
      return 'request_too_large'
    case 429:
      return 'rate_limit_error'
    case 504:
      return 'timeout_error'
    case 529:
      return 'overloaded_error'
    default:
      return 'api_error'
  }
}

/** The wire form of any thrown value: status, body, and `retry-after` when there is one. */
export function toErrorResponse(error: unknown, redact: (text: string) => string): Response {
  const routerError = error instanceof RouterError ? error : undefined
  const status = routerError?.status ?? 500
  const message =
    routerError === undefined ? `Internal error in ccr: ${messageOf(error)}` : routerError.message
  const hint = routerError?.hint === undefined ? '' : ` (${routerError.hint})`
  const body: ErrorBody = {
    type: 'error',
    error: {
      type: routerError?.errorType ?? errorTypeForStatus(status),
      message: redact(message + hint),
    },
  }
  const headers = new Headers({ 'content-type': 'application/json' })
  if (routerError?.retryAfter !== undefined) headers.set('retry-after', routerError.retryAfter)
  // Anthropic's SDKs, Claude Code's among them, retry 408, 409, 429 and 5xx unless told not to:
  // a spent budget or a broken plugin answers the same on every retry.
  if (routerError?.retryable === false && sdkRetries(status)) headers.set('x-should-retry', 'false')
  return new Response(JSON.stringify(body), { status, headers })
}

function sdkRetries(status: number): boolean {
  return status === 408 || status === 409 || status === 429 || status >= 500
}
