/**
 * The store's schema, as ordered migrations. `PRAGMA user_version` records how many have run;
 * opening a store runs the rest. Never edit a migration that has shipped: add one.
 */
export const migrations: string[] = [
  `
  CREATE TABLE requests (
    id INTEGER PRIMARY KEY,
    time INTEGER NOT NULL,                -- when the request arrived, Unix ms
    request_id TEXT NOT NULL,
    session_id TEXT,
    project TEXT,
    slot TEXT NOT NULL,                   -- the routing rule that decided, or 'none' before routing
    reason TEXT,
    requested_model TEXT NOT NULL,        -- what Claude Code asked for
    provider TEXT,                        -- what served it (NULL: nothing did)
    model TEXT,
    attempts TEXT NOT NULL DEFAULT '[]',  -- JSON: ["provider,model outcome", …]
    fallbacks INTEGER NOT NULL DEFAULT 0, -- candidates tried before the one that answered
    streamed INTEGER NOT NULL,
    status INTEGER NOT NULL,
    error_type TEXT,
    complete INTEGER NOT NULL,
    input_tokens INTEGER,                 -- not cached
    output_tokens INTEGER,
    cache_read_tokens INTEGER,
    cache_write_tokens INTEGER,
    reasoning_tokens INTEGER,
    latency_ms REAL,
    ttft_ms REAL,
    output_tps REAL,
    cost_usd REAL,                        -- NULL: no known price (never counted as free)
    anthropic_cost_usd REAL,              -- the same tokens at Anthropic's list price for requested_model
    cache_hit INTEGER NOT NULL DEFAULT 0,
    saved_usd REAL                        -- a cache hit: what the original answer cost
  );
  CREATE INDEX requests_time ON requests(time);
  CREATE INDEX requests_project_time ON requests(project, time);
  CREATE INDEX requests_session ON requests(session_id);

  CREATE TABLE response_cache (
    key TEXT PRIMARY KEY,
    slot TEXT NOT NULL,
    provider TEXT NOT NULL,
    model TEXT NOT NULL,
    message TEXT NOT NULL,                -- the Anthropic message, JSON
    bytes INTEGER NOT NULL,
    cost_usd REAL,
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL,
    last_used_at INTEGER NOT NULL,
    hits INTEGER NOT NULL DEFAULT 0
  );
  CREATE INDEX response_cache_last_used ON response_cache(last_used_at);
  `,
  // 2: what ccr learned about models from their providers' answers (src/store/learned.ts).
  `
  CREATE TABLE learned_facts (
    kind TEXT NOT NULL,                   -- context_window | folds_system | tools_as_text
    endpoint TEXT NOT NULL,               -- the provider's URL
    model TEXT NOT NULL,
    value REAL NOT NULL,                  -- tokens for context_window, 1 for folds_system
    learned_at INTEGER NOT NULL,          -- ms since the epoch
    PRIMARY KEY (kind, endpoint, model)
  );
  `,
]
