#!/usr/bin/env node
// Entry point of the centrifugo-ts binary: serve by default, or a CLI subcommand.
import { runCli } from './cli/index.ts';

process.exitCode = await runCli(process.argv.slice(2));
