import JSON5 from 'json5'
import { FormatRegistry, type TSchema } from '@sinclair/typebox'
import { Value, ValueErrorType, type ValueError } from '@sinclair/typebox/value'
import { Config, knownKeys, legacyKeys, proxyKeys } from './schema.ts'
import { ConfigError, type ConfigProblem } from '../lib/errors.ts'
import { interpolateEnv } from './interpolate.ts'

FormatRegistry.Set('uri', (value) => {
  if (!URL.canParse(value)) return false
  const protocol = new URL(value).protocol
  return protocol === 'http:' || protocol === 'https:'
})

/** A config that passed validation, with what its loading had to say. */
export interface LoadedConfig {
  config: Config
  /** Keys accepted but not acted on, unknown keys, unset `$VARS`: each logged once. */
  warnings: string[]
  /** The outbound proxy, from `HTTPS_PROXY`/`https_proxy`/`httpsProxy`/`PROXY_URL`. */
  proxy: string | undefined
  /** Every string in the config that looks like a secret, for log redaction. */
  secrets: string[]
}

export interface ParseConfigOptions {
  /** Shown in error messages. */
  file: string
  env: Record<string, string | undefined>
}

/**
 * Turns the text of a config file into a checked `Config`. JSON5 (comments, trailing commas),
 * `$VAR`/`${VAR}` expanded in every string, CCR's `providers` spelling accepted, defaults
 * filled in. Throws a `ConfigError` listing every problem by path.
 */
export function parseConfig(text: string, options: ParseConfigOptions): LoadedConfig {
  let raw: unknown
  try {
    raw = JSON5.parse(text)
  } catch (error) {
    const message = error instanceof Error ? error.message.replace(/^JSON5: /, '') : String(error)
    throw new ConfigError(options.file, [
      {
        path: '',
        message: `not valid JSON5: ${message}`,
        hint: 'JSON with comments and trailing commas is fine',
      },
    ])
  }
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    throw new ConfigError(options.file, [
      { path: '', message: 'expected an object at the top level' },
    ])
  }

  const warnings: string[] = []
  const record = { ...(raw as Record<string, unknown>) }
  const problems: ConfigProblem[] = []

  if ('providers' in record) {
    if ('Providers' in record) {
      problems.push({
        path: 'providers',
        message: 'both "Providers" and "providers" are set',
        hint: 'keep one of them',
      })
    } else {
      record.Providers = record.providers
    }
    delete record.providers
  }

  const expanded = interpolateEnv(record, options.env)
  for (const missing of expanded.missing) {
    warnings.push(
      `${missing.path}: environment variable ${missing.name} is not set; the text is kept as written`,
    )
  }
  const withPort = overridePort(expanded.value as Record<string, unknown>, options.env)
  const value: unknown = Value.Default(Config, Value.Convert(Config, withPort))

  // The errors' iterator is slow (5 ms of a start); a valid config needs only the check.
  if (!Value.Check(Config, value))
    for (const error of Value.Errors(Config, value)) problems.push(describeValueError(error))
  problems.push(...checkReferences(value))
  if (problems.length > 0) throw new ConfigError(options.file, dedupe(problems))
  const config = value as Config

  warnings.push(...unusedKeyWarnings(record))
  const proxy = [...proxyKeys.map((key) => record[key]), config.PROXY_URL].find(
    (candidate): candidate is string => typeof candidate === 'string' && candidate !== '',
  )
  return { config, warnings, proxy, secrets: collectSecrets(config) }
}

/** CCR's `SERVICE_PORT` environment variable wins over `PORT`, for scripts and containers. */
function overridePort(
  record: Record<string, unknown>,
  env: ParseConfigOptions['env'],
): Record<string, unknown> {
  const port = env.SERVICE_PORT
  return port === undefined || port === '' ? record : { ...record, PORT: port }
}

/**
 * Provider names are unique, and every route names a provider that exists. Runs on the value
 * even when it failed the schema, so one run reports every problem; it reads defensively.
 */
function checkReferences(value: unknown): ConfigProblem[] {
  const problems: ConfigProblem[] = []
  const {
    Providers: providers,
    Router: router,
    fallback,
  } = value as {
    Providers?: unknown
    Router?: unknown
    fallback?: unknown
  }
  const names = Array.isArray(providers)
    ? providers.map((provider: unknown) => (provider as { name?: unknown } | null)?.name)
    : []
  const seen = new Map<string, number>()
  names.forEach((name, index) => {
    if (typeof name !== 'string') return
    const first = seen.get(name.toLowerCase())
    if (first !== undefined) {
      problems.push({
        path: `Providers[${index}].name`,
        message: `"${name}" is already the name of Providers[${first}]`,
        hint: 'provider names must be unique (ignoring case)',
      })
    } else seen.set(name.toLowerCase(), index)
  })
  const references: [string, unknown][] = []
  if (typeof router === 'object' && router !== null) {
    for (const [slot, value] of Object.entries(router)) {
      if (slot === 'aliases' && typeof value === 'object' && value !== null) {
        for (const [alias, target] of Object.entries(value))
          references.push(...routeReferences(`Router.aliases.${alias}`, target))
      } else references.push(...routeReferences(`Router.${slot}`, value))
    }
  }
  if (typeof fallback === 'object' && fallback !== null) {
    for (const [slot, value] of Object.entries(fallback))
      references.push(...routeReferences(`fallback.${slot}`, value))
  }
  for (const [path, reference] of references) {
    if (typeof reference !== 'string' || !reference.includes(',')) continue
    const provider = reference.slice(0, reference.indexOf(','))
    if (!seen.has(provider.trim().toLowerCase())) {
      problems.push({
        path,
        message: `no provider is named "${provider}"`,
        hint:
          seen.size === 0
            ? 'add the provider to Providers first'
            : `known providers: ${[...seen.keys()].join(', ')}`,
      })
    }
  }
  return problems
}

/** The references of a route value (a string or a list), each with its path. */
function routeReferences(path: string, value: unknown): [string, unknown][] {
  if (Array.isArray(value)) return value.map((item, index) => [`${path}[${index}]`, item])
  return [[path, value]]
}

function unusedKeyWarnings(record: Record<string, unknown>): string[] {
  const warnings: string[] = []
  const known = knownKeys()
  for (const key of Object.keys(record)) {
    const legacy = legacyKeys[key]
    if (legacy !== undefined) warnings.push(legacy)
    else if (!known.has(key)) warnings.push(`${key}: unknown key, ignored`)
  }
  const properties = Config.properties as Record<string, TSchema>
  for (const [key, schema] of Object.entries(properties)) {
    if (record[key] === undefined) continue
    if (typeof schema.inactive === 'string') warnings.push(schema.inactive)
    const nested = schema.properties as Record<string, TSchema> | undefined
    const inner = record[key]
    if (nested === undefined || typeof inner !== 'object' || inner === null) continue
    for (const [innerKey, innerSchema] of Object.entries(nested)) {
      const set = (inner as Record<string, unknown>)[innerKey] !== undefined
      if (set && typeof innerSchema.inactive === 'string') warnings.push(innerSchema.inactive)
    }
  }
  return warnings
}

/** Every transformer name a CCR provider entry uses, provider-level and per model. */
export function transformerNames(provider: unknown): string[] {
  if (typeof provider !== 'object' || provider === null) return []
  const transformer = (provider as { transformer?: unknown }).transformer
  if (typeof transformer !== 'object' || transformer === null) return []
  const names: string[] = []
  for (const chain of [transformer, ...Object.values(transformer)]) {
    if (typeof chain !== 'object' || chain === null) continue
    const use = (chain as { use?: unknown }).use
    if (!Array.isArray(use)) continue
    for (const entry of use) {
      const name = Array.isArray(entry) ? entry[0] : entry
      if (typeof name === 'string') names.push(name)
    }
  }
  return [...new Set(names)]
}

function collectSecrets(config: Config): string[] {
  const secrets = [config.APIKEY, ...config.Providers.flatMap((provider) => provider.api_key)]
  return secrets.filter((secret) => secret.length >= 4)
}

const secretField = /(key|secret|token|password)$/i

/** A TypeBox error as `path: expected …, got …`, with the schema's hint. */
function describeValueError(error: ValueError): ConfigProblem {
  const path = toDottedPath(error.path)
  const schema = error.schema
  const got = secretField.test(path) ? 'a value that is hidden here' : showValue(error.value)
  const hint = typeof schema.hint === 'string' ? schema.hint : undefined
  const withHint = (message: string): ConfigProblem =>
    hint === undefined || message.includes(hint) ? { path, message } : { path, message, hint }
  switch (error.type) {
    case ValueErrorType.ObjectRequiredProperty:
      return withHint('is required')
    case ValueErrorType.StringFormat:
      return withHint(`expected a URL, got ${got}`)
    case ValueErrorType.StringPattern:
      return withHint(`expected ${hint ?? `text matching ${String(schema.pattern)}`}, got ${got}`)
    case ValueErrorType.StringMinLength:
      return withHint('must not be empty')
    case ValueErrorType.String:
      return withHint(`expected text, got ${got}`)
    case ValueErrorType.Integer:
      return withHint(`expected a whole number, got ${got}`)
    case ValueErrorType.Number:
      return withHint(`expected a number, got ${got}`)
    case ValueErrorType.IntegerMinimum:
    case ValueErrorType.NumberMinimum:
      return withHint(`expected at least ${String(schema.minimum)}, got ${got}`)
    case ValueErrorType.IntegerMaximum:
    case ValueErrorType.NumberMaximum:
      return withHint(`expected at most ${String(schema.maximum)}, got ${got}`)
    case ValueErrorType.Boolean:
      return withHint(`expected true or false, got ${got}`)
    case ValueErrorType.Array:
      return withHint(`expected a list, got ${got}`)
    case ValueErrorType.Object:
      return withHint(`expected an object, got ${got}`)
    case ValueErrorType.Union:
      return withHint(
        hint === undefined ? `unexpected value ${got}` : `expected ${hint}, got ${got}`,
      )
    default:
      return withHint(`${error.message.toLowerCase()}, got ${got}`)
  }
}

/** `/Providers/2/api_base_url` → `Providers[2].api_base_url`. */
function toDottedPath(pointer: string): string {
  return pointer
    .split('/')
    .slice(1)
    .map((part) => part.replaceAll('~1', '/').replaceAll('~0', '~'))
    .reduce(
      (path, part) =>
        /^\d+$/.test(part) ? `${path}[${part}]` : path === '' ? part : `${path}.${part}`,
      '',
    )
}

function showValue(value: unknown): string {
  if (value === undefined) return 'nothing'
  const text = JSON.stringify(value) ?? String(value)
  return text.length > 60 ? `${text.slice(0, 57)}...` : text
}

/** TypeBox reports a union's failure both as a whole and per member; keep the first per path. */
function dedupe(problems: ConfigProblem[]): ConfigProblem[] {
  const seen = new Set<string>()
  return problems.filter((problem) => {
    if (seen.has(problem.path)) return false
    seen.add(problem.path)
    return true
  })
}
