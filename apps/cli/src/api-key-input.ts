import { CliError } from './errors.js';
import type { InputStream, TextSink } from './output.js';

const MAX_INPUT = 4096;

/** Reads an API key from piped stdin, or prompts for it on a terminal without echoing it. */
export async function readApiKey(stdin: InputStream, stderr: TextSink): Promise<string> {
  const key = stdin.isTTY ? await promptHidden(stdin, stderr, 'API key: ') : await readPiped(stdin);
  if (!key) {
    throw new CliError('USAGE', 'no API key given (use --api-key, ARCA_API_KEY, stdin or the prompt)');
  }
  return key;
}

async function readPiped(stdin: InputStream): Promise<string> {
  let text = '';
  for await (const chunk of stdin) {
    text += typeof chunk === 'string' ? chunk : Buffer.from(chunk as Uint8Array).toString('utf8');
    if (text.length > MAX_INPUT) {
      throw new CliError('MALFORMED_API_KEY', 'stdin is too long to be an API key');
    }
  }
  return text.trim();
}

/** Raw-mode line reader: Enter ends, Backspace deletes, Ctrl-C cancels, nothing is echoed. */
function promptHidden(stdin: InputStream, stderr: TextSink, prompt: string): Promise<string> {
  stderr.write(prompt);
  return new Promise<string>((resolve, reject) => {
    let value = '';
    const finish = (error?: CliError): void => {
      stdin.off('data', onData);
      stdin.setRawMode?.(false);
      stdin.pause();
      stderr.write('\n');
      if (error) reject(error);
      else resolve(value.trim());
    };
    const onData = (chunk: string | Buffer): void => {
      for (const char of chunk.toString()) {
        if (char === '\r' || char === '\n' || char === '\u0004') return finish();
        if (char === '\u0003') return finish(new CliError('CANCELLED', 'cancelled'));
        if (char === '\u007f' || char === '\b') value = value.slice(0, -1);
        else if (char >= ' ') value += char;
        if (value.length > MAX_INPUT) {
          return finish(new CliError('MALFORMED_API_KEY', 'input is too long to be an API key'));
        }
      }
    };
    stdin.setRawMode?.(true);
    stdin.setEncoding?.('utf8');
    stdin.on('data', onData);
    stdin.resume();
  });
}
