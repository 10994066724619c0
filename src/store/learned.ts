import type { Database } from 'bun:sqlite'
import type { Logger } from '../observability/log.ts'

/**
 * What ccr learned about models from their providers' own answers, which no config or catalog
 * said: the context window a provider named when it refused a longer prompt (later requests
 * above it go to `longContext` at once, without the refusal), and what a model's chat template
 * refuses (system messages after the first, tools), so later requests go adapted at once. Kept in the SQLite store, so a
 * restart does not pay for each lesson again; read once at start, and written off the request
 * path, after it.
 */
export interface LearnedFacts {
  contextWindow(endpoint: string, model: string): number | undefined
  learnContextWindow(endpoint: string, model: string, tokens: number): void
  /** Whether a request shape a model's server refused was learned (`Adaptation` in openai/). */
  needs(adaptation: Adaptation, endpoint: string, model: string): boolean
  learnNeed(adaptation: Adaptation, endpoint: string, model: string): void
  /** Everything known, for `/health` and `ccr status`. */
  list(): LearnedFact[]
  /** Writes what waits for the disk. */
  flush(): void
}

export interface LearnedFact {
  kind: 'context_window' | Adaptation
  endpoint: string
  model: string
  /** Tokens for a context window; 1 for an adaptation. */
  value: number
}

/**
 * What a model's server needs changed in requests: system messages folded (a strict template),
 * tools described in the prompt (a template without tools).
 */
export type Adaptation = 'folds_system' | 'tools_as_text'

type Kind = 'context_window' | Adaptation

/**
 * How long a fact is trusted across restarts: a model's template may gain tools, a provider may
 * raise its window. An older fact is forgotten at start, and learned again if still true (one
 * refused request); while a router runs, what it learned holds.
 */
export const learnedFactDays = 7

/** Without a store (it could not be opened), the facts last until the process ends. */
export function createLearnedFacts(options: { db?: Database; log?: Logger } = {}): LearnedFacts {
  const { db, log } = options
  const facts = new Map<string, number>()
  const key = (kind: Kind, endpoint: string, model: string) => `${kind}\n${endpoint}\n${model}`
  if (db !== undefined) {
    const since = Date.now() - learnedFactDays * 24 * 60 * 60 * 1000
    const query = 'SELECT kind, endpoint, model, value FROM learned_facts WHERE learned_at >= ?'
    const rows = db.query(query).all(since) as {
      kind: Kind
      endpoint: string
      model: string
      value: number
    }[]
    for (const row of rows) facts.set(key(row.kind, row.endpoint, row.model), row.value)
  }

  let waiting: { kind: Kind; endpoint: string; model: string; value: number }[] = []
  let timer: ReturnType<typeof setTimeout> | undefined
  const flush = () => {
    clearTimeout(timer)
    timer = undefined
    if (db === undefined || waiting.length === 0) return
    const rows = waiting
    waiting = []
    try {
      const insert = db.query(
        'INSERT OR REPLACE INTO learned_facts (kind, endpoint, model, value, learned_at) VALUES (?, ?, ?, ?, ?)',
      )
      db.transaction(() => {
        for (const row of rows) insert.run(row.kind, row.endpoint, row.model, row.value, Date.now())
      })()
    } catch (error) {
      log?.warn('learned facts were not saved; they hold until ccr restarts', { error })
    }
  }
  const learn = (kind: Kind, endpoint: string, model: string, value: number) => {
    if (facts.get(key(kind, endpoint, model)) === value) return
    facts.set(key(kind, endpoint, model), value)
    waiting.push({ kind, endpoint, model, value })
    timer ??= setTimeout(flush, 0)
  }

  return {
    contextWindow: (endpoint, model) =>
      facts.size === 0 ? undefined : facts.get(key('context_window', endpoint, model)),
    learnContextWindow: (endpoint, model, tokens) =>
      learn('context_window', endpoint, model, tokens),
    needs: (adaptation, endpoint, model) =>
      facts.size > 0 && facts.has(key(adaptation, endpoint, model)),
    learnNeed: (adaptation, endpoint, model) => learn(adaptation, endpoint, model, 1),
    list: () =>
      [...facts].map(([joined, value]) => {
        const [kind, endpoint = '', model = ''] = joined.split('\n') as [Kind, string?, string?]
        return { kind, endpoint, model, value }
      }),
    flush,
  }
}
