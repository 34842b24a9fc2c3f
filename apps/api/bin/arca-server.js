#!/usr/bin/env node
// Server administration: `arca-server start | migrate | create-tenant`. Build first: `npm run build`.
import { main } from '../dist/main.js';

process.exitCode = await main(process.argv, {
  out: (text) => process.stdout.write(text + '\n'),
  err: (text) => process.stderr.write(text + '\n'),
  env: process.env,
});
