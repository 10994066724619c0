import type { Command } from './context.ts'
import { start } from './start.ts'
import { stop } from './stop.ts'
import { parseFlags } from './flags.ts'

export const restart: Command = async (context) => {
  parseFlags(context.args, {})
  const stopped = await stop({ ...context, args: [] })
  if (stopped !== 0) return stopped
  return start({ ...context, args: ['--daemon'] })
}
