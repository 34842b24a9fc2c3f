// `npm test [-- <vitest args>]`: runs the whole vitest suite once (unit + integration; Postgres is embedded
// PostgreSQL 18 unless DATABASE_URL is set) and ends with one line, alone, that CI reads:
//   `N passed, N failed` (plus `, N skipped` when tests were skipped or todo).
// Exit code: vitest's, but never 0 when the JSON report is missing, a test or a test file failed, or no test ran.
import { spawn } from 'node:child_process';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const reportPath = join(root, '.test-results', 'vitest.json');

// A report left over from an earlier run must never be mistaken for this run's result.
rmSync(reportPath, { force: true });

const child = spawn(
  'npx',
  [
    '--no-install',
    'vitest',
    'run',
    '--reporter=default',
    '--reporter=json',
    '--outputFile.json=.test-results/vitest.json',
    ...process.argv.slice(2),
  ],
  { cwd: root, stdio: 'inherit', env: { ...process.env, NO_COLOR: '1' } },
);

// Ctrl+C reaches vitest through the terminal's process group; stay alive to print the summary. SIGTERM (CI
// timeouts) is passed on explicitly because it is usually sent to this process only.
process.on('SIGINT', () => {});
process.on('SIGTERM', () => child.kill('SIGTERM'));

const vitestExit = await new Promise((resolve) => {
  child.on('error', (error) => {
    console.error(`run-tests: could not start vitest: ${error.message}`);
    resolve(1);
  });
  child.on('close', (code, signal) => resolve(code ?? (signal ? 1 : 0)));
});

/** @returns {{ passed: number, failed: number, skipped: number, total: number } | undefined} */
function readReport() {
  if (!existsSync(reportPath)) return undefined;
  try {
    /** @type {{ numTotalTests: number, numPassedTests: number, numFailedTests: number,
     *           testResults?: { status: string, message?: string, name: string,
     *                           assertionResults?: { status: string }[] }[] }} */
    const report = JSON.parse(readFileSync(reportPath, 'utf8'));
    // A test file that fails outside any test (import error, failing beforeAll) reports no failed test.
    // Count each such file as one failure, so the summary line never says "0 failed" for a red run.
    const brokenFiles = (report.testResults ?? []).filter(
      (file) =>
        file.status === 'failed' && !(file.assertionResults ?? []).some((test) => test.status === 'failed'),
    );
    for (const file of brokenFiles) {
      console.error(
        `run-tests: ${file.name} failed outside its tests: ${file.message || 'see the log above'}`,
      );
    }
    const passed = report.numPassedTests;
    const failed = report.numFailedTests + brokenFiles.length;
    return {
      passed,
      failed,
      skipped: report.numTotalTests - report.numPassedTests - report.numFailedTests,
      total: report.numTotalTests,
    };
  } catch (error) {
    console.error(
      `run-tests: unreadable ${reportPath}: ${error instanceof Error ? error.message : String(error)}`,
    );
    return undefined;
  }
}

const result = readReport();
let exitCode = vitestExit;
let summary;
if (result === undefined) {
  console.error(
    'run-tests: vitest wrote no JSON report (it crashed or was killed); counting the run as failed.',
  );
  summary = '0 passed, 1 failed';
  exitCode ||= 1;
} else {
  let { failed } = result;
  if (result.total === 0) {
    console.error('run-tests: no test ran; counting the run as failed.');
    exitCode ||= 1;
  }
  if (failed > 0) exitCode ||= 1;
  if (exitCode !== 0 && failed === 0) {
    // No test ran, or vitest failed the run without marking a test failed (an unhandled error or rejection
    // between tests). The summary line must never read "0 failed" for a red run: count one failure.
    if (vitestExit !== 0) {
      console.error(`run-tests: vitest exited with ${vitestExit} although no test failed.`);
    }
    failed = 1;
  }
  summary = `${result.passed} passed, ${failed} failed${result.skipped > 0 ? `, ${result.skipped} skipped` : ''}`;
}

console.log(summary);
process.exit(exitCode);
