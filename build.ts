/**
 * Compiles ccr into one self-contained binary.
 *
 *   bun build.ts                              → dist/ccr for this machine
 *   bun build.ts --target=bun-linux-arm64     → another platform (see `bun build --compile`)
 *   bun build.ts --outfile=/usr/local/bin/ccr
 *
 * After building for this machine it runs `<binary> --version` as a smoke check.
 */
import { parseArgs } from 'node:util'

const { values } = parseArgs({
  args: Bun.argv.slice(2),
  options: { target: { type: 'string' }, outfile: { type: 'string', default: 'dist/ccr' } },
})
const outfile = values.outfile
const target = values.target as Bun.Build.CompileTarget | undefined

const started = performance.now()
const result = await Bun.build({
  entrypoints: ['src/main.ts'],
  compile: { outfile, ...(target === undefined ? {} : { target }) },
  minify: true,
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
