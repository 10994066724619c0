import { RouterError } from '../lib/errors.ts'
import { portHolder } from './port-holder.ts'
import { probe } from './probe.ts'

/** The error for a port that is taken, saying whether ccr or what else holds it. */
export async function describePortInUse(
  port: number,
  url: string,
  detail?: string,
): Promise<RouterError> {
  const found = await probe(url, '')
  if (found.state === 'ccr') {
    const pid = found.health.pid === undefined ? '' : ` (pid ${found.health.pid})`
    return new RouterError('internal', {
      message: `ccr ${found.health.version} is already running at ${url}${pid}`,
      hint: 'use `ccr status` to see it, `ccr stop` to stop it',
    })
  }
  const holder = await portHolder(port)
  const who =
    holder === undefined ? 'another program' : `another program (${holder.name}, pid ${holder.pid})`
  return new RouterError('internal', {
    message: `port ${port} is in use by ${who}${detail === undefined ? '' : `: ${detail}`}`,
    hint: 'stop that program, or set PORT in config.json to a free port',
  })
}
