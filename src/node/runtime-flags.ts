// The node flags a centrifugo-ts process runs with: the image's ENTRYPOINT, scripts/start.sh
// and `npm start` pass them (test/node/runtime-flags.test.ts keeps the three in step with
// this list), and the benchmarks and the e2e harness launch nodes with them, so what is
// measured and tested is what ships.
//
// --max-semi-space-size=4 (MiB, V8's young generation): at the same CPU per delivered
// message and per API publish, a node's RSS under fan-out load is 27–39% lower than with
// V8's default (bench/results/2026-12-01-ab-fanout-semi-space.md and -ab-api-semi-space-4.md).
export const NODE_FLAGS: readonly string[] = ['--max-semi-space-size=4'];
