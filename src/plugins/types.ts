/**
 * The plugin contract, version 1: a CCR transformer. A plugin is a module in the plugins folder
 * (`$CCR_HOME/plugins/`) or named in `transformers[].path`, whose export (`export default`,
 * `module.exports`) is a class, instantiated with its options, or an object. A provider applies
 * it by naming it in its chain: `"transformer": { "use": ["<name>"] }`, or per model
 * `"transformer": { "<model>": { "use": [["<name>", { options }]] } }`.
 *
 * A plugin sees what goes on the wire to its provider, in that provider's protocol: the Chat
 * Completions body for an OpenAI provider (CCR's "unified" format without its extras), the
 * Messages body for an Anthropic one, the Responses body for a Responses one. CCR transformers
 * that adjust that body or the provider's answer run unchanged.
 */
export interface Transformer {
  /** The name providers use for it (matched case-insensitively). */
  name: string
  /**
   * The request body on its way to the provider (a copy the plugin may change). Returns the
   * body, or `{ body, config: { url, headers } }` to also post elsewhere or add headers (a
   * header set to `"undefined"` is removed, as in CCR).
   */
  transformRequestIn?(
    body: Record<string, unknown>,
    provider: PluginProvider,
    context: PluginContext,
  ): unknown
  /**
   * The provider's answer (a successful one: a failure is reported before plugins see it), JSON
   * or an event stream in the provider's protocol; returns the answer ccr translates.
   */
  transformResponseOut?(response: Response, context: PluginContext): Response | Promise<Response>
  /** Given to every plugin that has none of its own. */
  logger?: PluginLogger
}

/** The provider as CCR described it to transformers. */
export interface PluginProvider {
  name: string
  /** The URL requests are posted to (CCR's `api_base_url`). */
  baseUrl: string
  /** The key this request uses. */
  apiKey: string
  models: string[]
}

/** What a call is about. */
export interface PluginContext {
  provider: string
  /** The provider's model id. */
  model: string
  /** The provider's API: `anthropic`, `openai` (Chat Completions) or `responses`. */
  protocol: 'anthropic' | 'openai' | 'responses'
  stream: boolean
  /** The `transformer.use` entry's options, or the module's `transformers[].options`. */
  options: Record<string, unknown>
}

/** `info(message, fields)`, or pino's `info(fields, message)` as CCR's plugins write it. */
export interface PluginLogger {
  debug(first: unknown, second?: unknown): void
  info(first: unknown, second?: unknown): void
  warn(first: unknown, second?: unknown): void
  error(first: unknown, second?: unknown): void
}
