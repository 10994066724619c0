import CustomParams from '../../plugins/customparams.ts'
import MaxCompletionTokens from '../../plugins/maxcompletiontokens.ts'
import MaxToken from '../../plugins/maxtoken.ts'
import OpenRouter from '../../plugins/openrouter.ts'
import Sampling from '../../plugins/sampling.ts'
import { pluginFrom, type PluginModule } from './load-plugin.ts'

/**
 * The repository's `plugins/`, carried by the binary: CCR's built-in transformers that change
 * the body in ways ccr does not do by itself, written against the same contract as a user's. A
 * plugin file of the same name replaces one, as a CCR custom transformer replaced a built-in.
 */
export function builtinPlugins(): PluginModule[] {
  return [CustomParams, MaxCompletionTokens, MaxToken, OpenRouter, Sampling].map((exported) => {
    const name = new exported({}).name
    return pluginFrom(exported, { path: `builtin:${name}`, version: 'builtin', options: {} })
  })
}
