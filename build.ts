/**
 * Compiles ccr into one self-contained binary.
 *
 *   bun build.ts                              → dist/ccr for this machine
 *   bun build.ts --target=bun-linux-arm64     → another platform, without bytecode (below)
 *   bun build.ts --outfile=/usr/local/bin/ccr
 *   bun build.ts --no-bytecode                → JavaScript parsed at each start (to compare)
 *
 * After building for this machine it runs `<binary> --version` as a smoke check.
 */
import { parseArgs } from 'node:util'

const { values } = parseArgs({
  args: Bun.argv.slice(2),
  options: {
    target: { type: 'string' },
    outfile: { type: 'string', default: 'dist/ccr' },
    'no-bytecode': { type: 'boolean', default: false },
  },
})
const outfile = values.outfile
const target = values.target as Bun.Build.CompileTarget | undefined

const started = performance.now()
const result = await Bun.build({
  entrypoints: ['src/main.ts'],
  compile: { outfile, ...(target === undefined ? {} : { target }) },
  minify: true,
  // One file either way; in CommonJS a module imported with `import()` (each command, the
  // wizard) loads the runtime's built-ins it uses (readline and tty for the wizard, ~20 ms of a
  // start) when it runs, where ESM output hoists every built-in import to the top of the file.
  format: 'cjs',
  // JavaScriptCore's bytecode made here rather than at every start: a start to a served /health
  // takes half the time (~130 → ~65 ms), for 2–4 MB more RSS under load (its pages are read
  // from the binary), which the CommonJS output's lazily loaded built-ins more than give back.
  // Only for this machine: bytecode made for another platform crashed the binary there in
  // earlier Bun (oven-sh/bun#18416), and a cross-compiled binary cannot be run here to check.
  bytecode: !values['no-bytecode'] && target === undefined,
  sourcemap: 'linked',
})
if (!result.success) {
  for (const log of result.logs) console.error(log)
  process.exit(1)
}
console.log(`built ${outfile} in ${Math.round(performance.now() - started)} ms`)

if (target === undefined) {
  const smoke = Bun.spawnSync([outfile, '--version'])
  const version = smoke.stdout.toString().trim()
  if (smoke.exitCode !== 0 || !version.startsWith('ccr ')) {
    console.error(
      `smoke check failed: ${outfile} --version printed ${JSON.stringify(version)}`,
      smoke.stderr.toString(),
    )
    process.exit(1)
  }
  console.log(version)
}
