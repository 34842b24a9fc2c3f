// Generates the Prisma client after `npm install` (the schema engine is not downloadable here; see tools/prisma.mjs).
process.argv.splice(2, process.argv.length, 'generate');
await import('./prisma.mjs');
