/**
 * What the router remembers about Claude Code sessions: the input tokens the provider last
 * reported (cache reads and writes included, which is the context actually in use). A
 * session that went past the long-context threshold stays on the long-context route even
 * when the local estimate says less. In memory, the most recent `maxSessions` sessions.
 */
export interface SessionMemory {
  inputTokens(sessionId: string): number | undefined
  record(sessionId: string, inputTokens: number): void
}

export function createSessionMemory(maxSessions = 1000): SessionMemory {
  const sessions = new Map<string, number>()
  return {
    inputTokens: (sessionId) => sessions.get(sessionId),
    record(sessionId, inputTokens) {
      sessions.delete(sessionId)
      sessions.set(sessionId, inputTokens)
      if (sessions.size > maxSessions) sessions.delete(sessions.keys().next().value!)
    },
  }
}
