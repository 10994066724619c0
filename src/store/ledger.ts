import type { Database } from 'bun:sqlite'
import type { Logger } from '../observability/log.ts'

/** One request as the ledger records it. Token counts and costs are null when unknown. */
export interface LedgerRow {
  /** Unix ms when the request arrived. */
  time: number
  requestId: string
  sessionId: string | null
  project: string | null
  /** The routing rule that decided, or `none` when the request failed before routing. */
  slot: string
  reason: string | null
  requestedModel: string
  provider: string | null
  model: string | null
  /** Every candidate tried, as `"<provider>,<model> <outcome>"`. */
  attempts: string[]
  streamed: boolean
  status: number
  errorType: string | null
  complete: boolean
  /** Input tokens not read from or written to the prompt cache. */
  inputTokens: number | null
  outputTokens: number | null
  cacheReadTokens: number | null
  cacheWriteTokens: number | null
  reasoningTokens: number | null
  latencyMs: number | null
  ttftMs: number | null
  outputTps: number | null
  /** Null when the model has no known price: unknown, never free. */
  costUsd: number | null
  /** What the same tokens cost at Anthropic's list price for the Claude model Claude Code asked for. */
  anthropicCostUsd: number | null
  cacheHit: boolean
  /** For a cache hit: what the answer cost when it was first made. */
  savedUsd: number | null
}

const insertSql = `
  INSERT INTO requests (time, request_id, session_id, project, slot, reason, requested_model, provider, model,
    attempts, fallbacks, streamed, status, error_type, complete, input_tokens, output_tokens, cache_read_tokens,
    cache_write_tokens, reasoning_tokens, latency_ms, ttft_ms, output_tps, cost_usd, anthropic_cost_usd, cache_hit, saved_usd)
  VALUES ($time, $requestId, $sessionId, $project, $slot, $reason, $requestedModel, $provider, $model,
    $attempts, $fallbacks, $streamed, $status, $errorType, $complete, $inputTokens, $outputTokens, $cacheReadTokens,
    $cacheWriteTokens, $reasoningTokens, $latencyMs, $ttftMs, $outputTps, $costUsd, $anthropicCostUsd, $cacheHit, $savedUsd)`

/**
 * Writes rows in one transaction. The statement is compiled once per database (`query` keeps
 * it): compiled at every flush it was an eighth of the flush (0.69 → 0.60 ms for 123 rows).
 */
export function insertRows(db: Database, rows: readonly LedgerRow[]): void {
  const insert = db.query(insertSql)
  db.transaction(() => {
    for (const row of rows) {
      insert.run({
        ...row,
        attempts: JSON.stringify(row.attempts),
        fallbacks: Math.max(0, row.attempts.length - 1),
        streamed: row.streamed ? 1 : 0,
        complete: row.complete ? 1 : 0,
        cacheHit: row.cacheHit ? 1 : 0,
      })
    }
  })()
}

export interface LedgerWriter {
  /** Queues a row; it reaches the disk at the next flush. Never throws, never waits. */
  record(row: LedgerRow): void
  /** Writes what is queued now (a timer does this `flushDelayMs` after a row comes). */
  flush(): void
  /** Flushes; nothing is written after this. */
  close(): void
  /** Rows waiting for the disk. */
  readonly pending: number
}

/**
 * The ledger's writer: recording never touches the disk on the request path. Rows are queued
 * and written in one transaction `flushDelayMs` (100 ms) after the first of them came, and on
 * close, so a SIGTERM loses nothing and a crash at most that much; an idle router is never
 * woken. Small batches, because a write blocks the event loop: a second of rows at 2 500
 * requests/s took ~10 ms, and moved the p99 at concurrency 1 by 2 ms (5.5 → 3.5, A/B).
 * A locked or full disk keeps the rows queued (up to `maxPending`, then the oldest go), tried
 * again every `retryMs`, and is reported once per kind of failure, never to a client.
 */
export function createLedgerWriter(options: {
  db: Database
  log: Logger
  flushDelayMs?: number
  retryMs?: number
  maxPending?: number
}): LedgerWriter {
  const maxPending = options.maxPending ?? 50_000
  const flushDelayMs = options.flushDelayMs ?? 100
  const retryMs = options.retryMs ?? 1000
  let timer: ReturnType<typeof setTimeout> | undefined
  let closed = false
  const schedule = (delayMs: number) => {
    if (timer !== undefined || closed) return
    timer = setTimeout(() => {
      timer = undefined
      flush()
    }, delayMs)
    // The timer must not keep a finished process alive.
    timer.unref()
  }
  let queue: LedgerRow[] = []
  let dropped = 0
  const reported = new Set<string>()

  const flush = () => {
    if (queue.length === 0) return
    const batch = queue
    queue = []
    try {
      insertRows(options.db, batch)
      reported.clear()
    } catch (error) {
      queue = [...batch, ...queue]
      schedule(retryMs)
      const message = error instanceof Error ? error.message : String(error)
      if (!reported.has(message)) {
        reported.add(message)
        options.log.warn('the ledger could not be written; rows are kept and retried', {
          error: message,
          pending: queue.length,
        })
      }
    }
    if (queue.length > maxPending) {
      dropped += queue.length - maxPending
      queue = queue.slice(queue.length - maxPending)
      options.log.warn('the ledger dropped rows it could not write', { dropped })
    }
  }

  return {
    record(row) {
      queue.push(row)
      schedule(flushDelayMs)
    },
    flush,
    close() {
      closed = true
      clearTimeout(timer)
      timer = undefined
      flush()
    },
    get pending() {
      return queue.length
    },
  }
}

/** What was spent since `since` (Unix ms), over all projects or one; unknown prices count 0. */
export function spendSince(db: Database, since: number, project?: string): number {
  const row =
    project === undefined
      ? db
          .query('SELECT COALESCE(SUM(cost_usd), 0) AS spent FROM requests WHERE time >= ?')
          .get(since)
      : db
          .query(
            'SELECT COALESCE(SUM(cost_usd), 0) AS spent FROM requests WHERE time >= ? AND project = ?',
          )
          .get(since, project)
  return (row as { spent: number }).spent
}
