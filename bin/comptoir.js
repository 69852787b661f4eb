#!/usr/bin/env node
// `npx comptoir <command>`: the operator CLI, run from TypeScript sources.
import { register } from 'tsx/esm/api';

register();
await import('./cli.ts');
