import { describe, expect, it } from 'vitest';
import { formatProgress, formatRetry, ProgressLine } from './commands/versions-progress.js';
import {
  checkAlias,
  describeRef,
  formatBytes,
  parseModelRef,
  parseTags,
  parseVersionRef,
} from './commands/versions-refs.js';
import { ArcaError } from '@arca/sdk';

describe('parseModelRef', () => {
  it.each([
    ['resnet-50', { model: 'resnet-50' }],
    ['resnet-50@prod', { model: 'resnet-50', ref: 'prod' }],
    ['resnet-50@latest', { model: 'resnet-50' }],
    ['resnet-50:3', { model: 'resnet-50', ref: '3' }],
    ['resnet-50:v12', { model: 'resnet-50', ref: '12' }],
    ['resnet-50:V007', { model: 'resnet-50', ref: '7' }],
    [
      '7f1c2b9e-1d2a-4e8b-9c3d-5a6b7c8d9e0f@staging',
      { model: '7f1c2b9e-1d2a-4e8b-9c3d-5a6b7c8d9e0f', ref: 'staging' },
    ],
  ])('%s', (spec, expected) => {
    expect(parseModelRef(spec)).toEqual(expected);
  });

  it.each([
    ['', /names no model/],
    ['@prod', /names no model/],
    [':3', /names no model/],
    ['Resnet', /not a model name or id/],
    ['resnet@prod:3', /both @ and :/],
    ['resnet@a@b', /more than one @/],
    ['resnet:1:2', /more than one :/],
    ['resnet@', /"" is not an alias name/],
    ['resnet@Prod', /"Prod" is not an alias name/],
    ['resnet@3', /version numbers go after a colon, e.g. resnet:3/],
    ['resnet:', /"" is not a version number/],
    ['resnet:prod', /use MODEL@ALIAS for aliases/],
    ['resnet:0', /not a version number/],
  ])('rejects %j', (spec, message) => {
    expect(() => parseModelRef(spec)).toThrow(message);
  });

  it('describes references for messages', () => {
    expect(describeRef({ model: 'm' })).toBe('m (latest)');
    expect(describeRef({ model: 'm', ref: '3' })).toBe('m:3');
    expect(describeRef({ model: 'm', ref: 'prod' })).toBe('m@prod');
  });
});

describe('parseVersionRef, checkAlias, parseTags', () => {
  it('reads numbers before aliases, as the server does', () => {
    expect(parseVersionRef('v3')).toBe('3');
    expect(parseVersionRef('42')).toBe('42');
    expect(parseVersionRef('prod')).toBe('prod');
    expect(parseVersionRef('latest')).toBe('latest');
    expect(() => parseVersionRef('0')).toThrow(/not a version/);
    expect(() => parseVersionRef('-x')).toThrow(/not a version/);
  });

  it('checks alias names and tags', () => {
    expect(checkAlias('prod')).toBe('prod');
    expect(() => checkAlias('latest')).toThrow(/not "latest"/);
    expect(() => checkAlias('9lives')).toThrow(/invalid alias/);
    expect(parseTags('a, b,,c')).toEqual(['a', 'b', 'c']);
    expect(() => parseTags('ok,Not OK')).toThrow(/invalid tag "Not OK"/);
  });
});

describe('progress formatting', () => {
  it('formats sizes in binary units', () => {
    expect([0, 512, 1536, 12.3 * 1024 * 1024, 1.21 * 1024 ** 3].map(formatBytes)).toEqual([
      '0 B',
      '512 B',
      '1.5 KiB',
      '12.3 MiB',
      '1.21 GiB',
    ]);
  });

  it('shows bytes, percentage and rate, and retries without secrets', () => {
    const MiB = 1024 * 1024;
    expect(formatProgress('uploading', { transferred: 12 * MiB, total: 48 * MiB }, 4000)).toBe(
      'uploading  12.0 MiB / 48.0 MiB   25%  3.0 MiB/s',
    );
    expect(formatProgress('downloading', { transferred: 0, total: 0 }, 0)).toBe(
      'downloading  0 B / 0 B  100%',
    );
    const error = new ArcaError('NETWORK_ERROR', 'no data moved for 30000 ms\u001b[2J');
    expect(formatRetry({ attempt: 1, retries: 5, delayMs: 500, error })).toBe(
      'connection lost (no data moved for 30000 ms\uFFFD[2J); retry 1 of 5 in 0.5 s',
    );
  });

  it('redraws one line on a terminal and prints 10 % steps elsewhere', () => {
    let tty = '';
    const line = new ProgressLine({ write: (s: string) => (tty += s) }, 'uploading', true);
    line.update({ transferred: 100, total: 100 });
    line.end();
    expect(tty.startsWith('\ruploading  100 B / 100 B  100%')).toBe(true);
    expect(tty.endsWith('\u001b[K\n')).toBe(true);
    let piped = '';
    const plain = new ProgressLine({ write: (s: string) => (piped += s) }, 'uploading', false);
    for (let i = 0; i <= 100; i++) plain.update({ transferred: i, total: 100 });
    expect(piped.split('\n').filter(Boolean)).toHaveLength(11);
    expect(piped).not.toContain('\r');
  });
});
