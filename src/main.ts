#!/usr/bin/env node
// Entry point of the centrifugo-ts binary, both programs: a node (serve, the default), the
// node's other commands, or the operator (src/cli/).
import { runCli } from './cli/index.ts';

process.exitCode = await runCli(process.argv.slice(2));
