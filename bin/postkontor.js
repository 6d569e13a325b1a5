#!/usr/bin/env node
// The package's `postkontor` command. There is no build step: tsx compiles the TypeScript
// sources on load, so register it first, then hand over to the CLI.
import { register } from 'tsx/esm/api';

register();
await import('../src/cli/main.ts');
