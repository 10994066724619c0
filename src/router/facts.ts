import type { ThinkTriggers } from '../config/schema.ts'
import type { MessagesRequest } from '../protocol/messages.ts'
import type { SessionMemory } from './sessions.ts'
import {
  backgroundSignal,
  imageSignal,
  sessionIdOf,
  thinkSignal,
  webSearchSignal,
} from './signals.ts'
import type { RouteFacts } from './types.ts'

export interface FactsOptions {
  request: MessagesRequest
  headers: Headers
  tokenEstimate: number
  sessions: SessionMemory
  triggers: ThinkTriggers
  project: string | undefined
  subagentModel: string | undefined
}

/** Everything the rules look at, read once. */
export function collectFacts(options: FactsOptions): RouteFacts {
  const { request } = options
  const sessionId = sessionIdOf(options.headers, request)
  return {
    requestedModel: request.model,
    tokenEstimate: options.tokenEstimate,
    sessionId,
    sessionInputTokens:
      sessionId === undefined ? undefined : options.sessions.inputTokens(sessionId),
    project: options.project,
    subagentModel: options.subagentModel,
    background: backgroundSignal(request),
    think: thinkSignal(request, options.triggers),
    webSearch: webSearchSignal(request),
    images: imageSignal(request),
  }
}
