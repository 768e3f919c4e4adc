#!/usr/bin/env node
// The centrifugo-ts binary: Node >= 22.18 runs the TypeScript sources directly.
await import('../src/main.ts');
