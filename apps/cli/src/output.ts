import type { Env } from './config/env.js';
import { VerdictPrinted, describeError, type ExitCode } from './errors.js';

export interface TextSink {
  write(chunk: string): unknown;
}

export interface InputStream extends AsyncIterable<unknown> {
  isTTY?: boolean;
  setRawMode?(mode: boolean): unknown;
  setEncoding?(encoding: BufferEncoding): unknown;
  on(event: 'data', listener: (chunk: string | Buffer) => void): unknown;
  off(event: 'data', listener: (chunk: string | Buffer) => void): unknown;
  resume(): unknown;
  pause(): unknown;
}

/** Where a CLI run reads and writes; tests pass their own. */
export interface CliIo {
  stdout: TextSink;
  stderr: TextSink;
  env: Env;
  stdin?: InputStream;
}

// C0/C1 controls and bidi overrides: server-supplied text must not drive the terminal.
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;

/** Makes server-supplied text safe for a terminal. */
export function sanitize(text: string): string {
  return text.replace(UNSAFE, '\uFFFD');
}

/** JSON with C1 controls escaped too (JSON.stringify leaves U+007F–U+009F raw). */
export function toJson(value: unknown, indent = 2): string {
  return JSON.stringify(value, null, indent).replace(
    /[\u007f-\u009f\u2028\u2029]/g,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
}

/** Left-aligned columns separated by two spaces; cells are sanitised. */
export function formatTable(headers: readonly string[], rows: readonly (readonly string[])[]): string {
  const cells = [headers, ...rows].map((row) => row.map(sanitize));
  const widths = headers.map((_, i) => Math.max(...cells.map((row) => (row[i] ?? '').length)));
  return cells
    .map((row) =>
      row
        .map((cell, i) => (i === row.length - 1 ? cell : cell.padEnd(widths[i] ?? 0)))
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}

/** `Key   value` lines with the values aligned; values are sanitised. */
export function formatFields(fields: readonly (readonly [string, string])[]): string {
  const width = Math.max(...fields.map(([key]) => key.length));
  return fields.map(([key, value]) => `${key.padEnd(width)}  ${sanitize(value)}`.trimEnd()).join('\n');
}

/** Writes one command's result: JSON on stdout with --json, text otherwise; notes go to stderr. */
export class Output {
  constructor(
    private readonly io: CliIo,
    readonly json: boolean,
  ) {}

  result(value: unknown, text: () => string): void {
    this.io.stdout.write((this.json ? toJson(value) : text()) + '\n');
  }

  note(message: string): void {
    this.io.stderr.write(`arca: ${message}\n`);
  }
}

/** Prints an error as one line (`arca: …` on stderr, or JSON on stdout) and returns the exit code. */
export function reportError(io: CliIo, json: boolean, error: unknown): ExitCode {
  const { code, message, exitCode } = describeError(error);
  // Commander already printed help, or the command already printed its verdict.
  if (exitCode === 0 || message === '(outputHelp)' || error instanceof VerdictPrinted) return exitCode;
  const line = message.replace(/\s*\n\s*/g, ' ');
  if (json) io.stdout.write(toJson({ error: { code, message: line } }, 0) + '\n');
  else io.stderr.write(`arca: ${sanitize(line)}\n`);
  return exitCode;
}
