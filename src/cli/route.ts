import { existsSync } from 'node:fs'
import { readFile } from 'node:fs/promises'
import { resolve } from 'node:path'
import { parseArgs } from 'node:util'
import { RouterError } from '../lib/errors.ts'
import { silentLogger } from '../observability/log.ts'
import { MessagesRequest } from '../protocol/messages.ts'
import { parseBody } from '../protocol/parse.ts'
import { createCustomRouter } from '../router/custom-router.ts'
import { collectFacts } from '../router/facts.ts'
import { createProjectConfigs } from '../router/project-config.ts'
import { resolveReference, route } from '../router/route.ts'
import { createSessionMemory } from '../router/sessions.ts'
import { extractSubagentTag } from '../router/subagent-tag.ts'
import { openStore } from '../store/db.ts'
import { createLearnedFacts, type LearnedFacts } from '../store/learned.ts'
import { createEstimator } from '../tokens/counter.ts'
import { estimateInputTokens } from '../tokens/estimate.ts'
import { clientConfig } from './config-for-cli.ts'
import type { Command } from './context.ts'

/**
 * `ccr route <request.json>`: the routing decision for a request, without calling any
 * provider: the slot, the reason, the facts it rested on and the fallback chain. The file is
 * an Anthropic Messages body, or a recorded request `{ headers, body }`.
 */
export const routeCommand: Command = async (context) => {
  const { values, positionals } = parseArgs({
    args: context.args,
    allowPositionals: true,
    options: {
      json: { type: 'boolean' },
      project: { type: 'string' },
      'session-tokens': { type: 'string' },
    },
  })
  const file = positionals[0]
  if (file === undefined || positionals.length > 1) {
    throw new RouterError('invalid_request', {
      message: 'ccr route takes one request file',
      hint: 'ccr route request.json [--project <dir>] [--session-tokens <n>] [--json]',
    })
  }
  const { body, headers } = readRequest(await readFile(file, 'utf8'))
  const parsed = parseBody(MessagesRequest, body)
  const tagged = extractSubagentTag(parsed)
  const request = tagged?.request ?? parsed
  const project =
    values.project === undefined
      ? (headers.get('x-ccr-project') ?? undefined)
      : resolve(values.project)
  const { active: global } = clientConfig(context)
  const active = await createProjectConfigs({ log: silentLogger }).configFor(global, project)

  const sessions = createSessionMemory()
  const facts = collectFacts({
    request,
    headers,
    tokenEstimate: estimateInputTokens(request, createEstimator()),
    sessions,
    triggers: active.config.Router.thinkTriggers,
    project,
    subagentModel: tagged?.model,
  })
  if (values['session-tokens'] !== undefined)
    facts.sessionInputTokens = Number(values['session-tokens'])

  let custom: string | undefined
  const customPath = active.config.CUSTOM_ROUTER_PATH
  if (customPath !== undefined && customPath !== '') {
    const router = createCustomRouter({
      path: resolve(context.paths.home, customPath),
      log: silentLogger,
      timeoutMs: active.config.CUSTOM_ROUTER_TIMEOUT_MS,
    })
    await router.ready()
    const answer = await router.decide(
      {
        body: request,
        tokenCount: facts.tokenEstimate,
        sessionId: facts.sessionId,
        project,
        headers: {},
        facts,
      },
      active.config,
    )
    router.close()
    if (answer !== undefined && resolveReference(answer.route, active) !== undefined)
      custom = answer.route
  }
  const decision = route(facts, active, custom, learnedFacts(context.paths.store))

  if (values.json === true) {
    const chain = decision.candidates.map((candidate) => ({
      route: candidate.reference,
      protocol: candidate.provider.protocol,
      endpoint: candidate.provider.endpoint,
    }))
    context.stdout.write(
      `${JSON.stringify({ slot: decision.slot, reason: decision.reason, candidates: chain, facts }, null, 2)}\n`,
    )
    return 0
  }
  const yes = (value: boolean | string | undefined) =>
    value === undefined || value === false ? 'no' : value === true ? 'yes' : `yes: ${value}`
  const lines = [
    `route     ${decision.slot} → ${decision.candidates[0].reference}`,
    `why       ${decision.reason}`,
    '',
    'facts',
    `  requested model    ${facts.requestedModel}`,
    `  token estimate     ${facts.tokenEstimate.toLocaleString('en-US')} (long context above ${active.config.Router.longContextThreshold.toLocaleString('en-US')})`,
    `  session            ${facts.sessionId ?? 'none'}${facts.sessionInputTokens === undefined ? '' : `, ${facts.sessionInputTokens.toLocaleString('en-US')} input tokens so far`}`,
    `  project            ${project ?? 'none'}`,
    `  background         ${yes(facts.background)}`,
    `  think              ${yes(facts.think)}`,
    `  web search         ${yes(facts.webSearch)}`,
    `  image              ${yes(facts.images)}`,
    `  subagent tag       ${facts.subagentModel ?? 'none'}`,
    `  custom router      ${customPath === undefined ? 'not configured' : (custom ?? 'no answer')}`,
    '',
    'candidates, in order',
    ...decision.candidates.map(
      (candidate, index) =>
        `  ${index + 1}. ${candidate.reference}  (${candidate.provider.protocol}, ${candidate.provider.endpoint})`,
    ),
  ]
  context.stdout.write(`${lines.join('\n')}\n`)
  return 0
}

/** A bare request body, or a recorded one with its headers. */
function readRequest(text: string): { body: string; headers: Headers } {
  const value: unknown = JSON.parse(text)
  if (
    typeof value === 'object' &&
    value !== null &&
    'body' in value &&
    typeof value.body === 'object'
  ) {
    const recorded = value as { body: unknown; headers?: Record<string, string> }
    return { body: JSON.stringify(recorded.body), headers: new Headers(recorded.headers ?? {}) }
  }
  return { body: text, headers: new Headers() }
}

/** What the router learned, from its store when there is one (read once, then closed). */
function learnedFacts(store: string): LearnedFacts | undefined {
  if (!existsSync(store)) return undefined
  try {
    const db = openStore(store)
    try {
      return createLearnedFacts({ db })
    } finally {
      db.close()
    }
  } catch {
    return undefined
  }
}
