import type { Env } from '../config/file.ts'
import type { Paths } from '../config/paths.ts'

export interface Output {
  write(text: string): unknown
  isTTY?: boolean
}

/** What every command gets: its arguments and the process's surroundings, made explicit. */
export interface CliContext {
  /** The arguments after the command name, verbatim. */
  args: string[]
  env: Env
  paths: Paths
  version: string
  stdout: Output
  stderr: Output
  /** The argv prefix that runs this same ccr (the binary, or bun and the entry file). */
  self: string[]
}

export type Command = (context: CliContext) => Promise<number>
