/**
 * Every failure ccr reports is a `RouterError`: a literal `code`, the HTTP `status` a client
 * should see, whether retrying can help, an optional `hint` that says what to do, and the
 * `cause`. They are turned into wire formats in one place each: `protocol/errors.ts` for
 * clients (Anthropic error JSON) and `describeError()` for the terminal.
 */
export type ErrorCode =
  | 'config_invalid'
  | 'config_unreadable'
  | 'invalid_request'
  | 'authentication_failed'
  | 'forbidden_origin'
  | 'not_found'
  | 'route_not_found'
  | 'upstream_error'
  | 'upstream_unreachable'
  | 'upstream_timeout'
  | 'upstream_auth'
  | 'shutting_down'
  | 'budget_exceeded'
  | 'plugin_failed'
  | 'client_closed'
  | 'internal'

/** The Anthropic error `type` each code is reported as. */
export type AnthropicErrorType =
  | 'invalid_request_error'
  | 'authentication_error'
  | 'permission_error'
  | 'billing_error'
  | 'not_found_error'
  | 'request_too_large'
  | 'rate_limit_error'
  | 'api_error'
  | 'overloaded_error'
  | 'timeout_error'

export interface RouterErrorOptions {
  message: string
  status?: number
  retryable?: boolean
  hint?: string
  cause?: unknown
  /** Seconds the client should wait before retrying, passed on as `retry-after`. */
  retryAfter?: string
  /** Overrides the Anthropic error type derived from the status. */
  errorType?: AnthropicErrorType
}

export class RouterError extends Error {
  readonly code: ErrorCode
  readonly status: number
  readonly retryable: boolean
  readonly hint: string | undefined
  readonly retryAfter: string | undefined
  readonly errorType: AnthropicErrorType | undefined

  constructor(code: ErrorCode, options: RouterErrorOptions) {
    super(options.message, { cause: options.cause })
    this.name = 'RouterError'
    this.code = code
    this.status = options.status ?? 500
    this.retryable = options.retryable ?? false
    this.hint = options.hint
    this.retryAfter = options.retryAfter
    this.errorType = options.errorType
  }
}

/**
 * The client went away before its answer began (Esc in Claude Code while a model is slow to
 * start): not a failure of ccr or of the provider. 499, as nginx records it; nobody reads the
 * response.
 */
export function clientClosed(cause: unknown): RouterError {
  return new RouterError('client_closed', {
    status: 499,
    message: 'The client closed the connection before the answer began',
    cause,
  })
}

/** One problem in a config file: where it is, what is wrong, and what to write instead. */
export interface ConfigProblem {
  path: string
  message: string
  hint?: string
}

export class ConfigError extends RouterError {
  readonly file: string
  readonly problems: ConfigProblem[]

  constructor(file: string, problems: ConfigProblem[], cause?: unknown) {
    const count = problems.length === 1 ? '1 problem' : `${problems.length} problems`
    super('config_invalid', { message: `${file}: ${count}`, status: 500, cause })
    this.name = 'ConfigError'
    this.file = file
    this.problems = problems
  }

  /** The problems one per line, as `path: message (hint)`. */
  details(): string {
    return this.problems
      .map((problem) => {
        const where = problem.path === '' ? '(file)' : problem.path
        const hint = problem.hint === undefined ? '' : `\n    hint: ${problem.hint}`
        return `  ${where}: ${problem.message}${hint}`
      })
      .join('\n')
  }
}

/**
 * A readable account of any thrown value for the terminal: message, hint, then the cause
 * chain, because `fetch` reports every network failure as "fetch failed" with the reason in
 * `cause`.
 */
export function describeError(error: unknown): string {
  const lines: string[] = []
  if (error instanceof ConfigError) {
    lines.push(`error: ${error.message}`, error.details())
  } else if (error instanceof RouterError) {
    lines.push(`error: ${error.message}`)
    if (error.hint !== undefined) lines.push(`hint: ${error.hint}`)
  } else {
    lines.push(`error: ${messageOf(error)}`)
  }
  let cause = error instanceof Error ? error.cause : undefined
  for (let depth = 0; cause !== undefined && depth < 5; depth++) {
    lines.push(`cause: ${messageOf(cause)}`)
    cause = cause instanceof Error ? cause.cause : undefined
  }
  return lines.join('\n')
}

export function messageOf(error: unknown): string {
  if (error instanceof Error) return error.message
  return typeof error === 'string' ? error : (JSON.stringify(error) ?? String(error))
}
