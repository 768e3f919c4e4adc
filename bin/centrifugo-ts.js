#!/usr/bin/env node
// The centrifugo-ts binary. It runs the compiled JavaScript in dist/ when that is there (the
// image builds it; `npm run build` in a clone), else the TypeScript sources, which
// Node >= 22.18 runs directly by type stripping (a clone without a build: tests, `npm start`).
// Compiled, the node never loads Node's TypeScript stripper: 25+ MiB less RSS at idle
// (bench/results/2026-12-02-idle-node.md). A dist/ older than an edit of src/ is still run:
// rebuild, or remove dist/.
import { existsSync } from 'node:fs';

const compiled = new URL('../dist/main.js', import.meta.url);
await import(existsSync(compiled) ? compiled.href : '../src/main.ts');
