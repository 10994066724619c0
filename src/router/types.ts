import type { Config } from '../config/schema.ts'
import type { MessagesRequest } from '../protocol/messages.ts'

/**
 * What routing knows about a request before it decides: read once from the request, its
 * headers and the session's history, then handed to the rules, the custom router and the
 * `ccr route` report.
 */
export interface RouteFacts {
  /** The model string Claude Code sent. */
  requestedModel: string
  /** Local estimate of the input tokens. */
  tokenEstimate: number
  /** Claude Code's session id, from `x-claude-code-session-id` or `metadata.user_id`. */
  sessionId: string | undefined
  /** The input tokens the provider last reported for this session (context actually used). */
  sessionInputTokens: number | undefined
  /** The project directory `ccr code` named in `x-ccr-project`. */
  project: string | undefined
  /** `"<provider>,<model>"` from a `<CCR-SUBAGENT-MODEL>` tag, when one was found. */
  subagentModel: string | undefined
  /** Why the request looks like Claude Code background work, when it does. */
  background: string | undefined
  /** Why the user seems to have asked for harder thinking, when they did. */
  think: string | undefined
  /** Anthropic's web-search server tool is in `tools`. */
  webSearch: boolean
  /** An image in the latest user turn (tool results included). */
  images: boolean
}

/**
 * What a custom router module receives. `body` and `tokenCount` keep the names of
 * claude-code-router's `req`, so a CCR custom router works unchanged.
 */
export interface CustomRouterInput {
  /** The Anthropic request, as sent (a copy: changing it changes nothing). */
  body: MessagesRequest
  tokenCount: number
  sessionId: string | undefined
  project: string | undefined
  /** Request headers, lower-cased names, credentials removed. */
  headers: Record<string, string>
  facts: RouteFacts
}

/**
 * A custom router (`CUSTOM_ROUTER_PATH`): returns `"<provider>,<model>"` to decide, or
 * null/undefined to leave the decision to the built-in rules. May be async.
 *
 * ```ts
 * import type { CustomRouter } from 'ccr/router'
 * const route: CustomRouter = ({ facts }) => (facts.tokenEstimate > 100_000 ? 'gemini,gemini-2.5-pro' : null)
 * export default route
 * ```
 */
export type CustomRouter = (
  input: CustomRouterInput,
  config: Config,
) => string | null | undefined | Promise<string | null | undefined>
