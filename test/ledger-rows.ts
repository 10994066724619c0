import type { LedgerRow } from '../src/store/ledger.ts'

/** A served, complete, unpriced request with nothing measured; each test says what differs. */
export function ledgerRow(overrides: Partial<LedgerRow> = {}): LedgerRow {
  return {
    time: 0,
    requestId: 'request',
    sessionId: null,
    project: null,
    slot: 'default',
    reason: null,
    requestedModel: 'claude-sonnet-4-5',
    provider: 'openai',
    model: 'gpt-a',
    attempts: ['openai,gpt-a 200'],
    streamed: true,
    status: 200,
    errorType: null,
    complete: true,
    inputTokens: null,
    outputTokens: null,
    cacheReadTokens: null,
    cacheWriteTokens: null,
    reasoningTokens: null,
    latencyMs: null,
    ttftMs: null,
    outputTps: null,
    costUsd: null,
    anthropicCostUsd: null,
    cacheHit: false,
    savedUsd: null,
    ...overrides,
  }
}
