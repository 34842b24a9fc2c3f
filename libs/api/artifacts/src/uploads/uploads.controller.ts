import type { Readable } from 'node:stream';
import { Controller, Get, Headers, HttpCode, Inject, Param, Put, Req } from '@nestjs/common';
import { Public, UuidPipe, badInput } from '@arca/api-core';
import { linkGone } from '../artifacts.errors.js';
import { UploadsService, type UploadProgress } from './uploads.service.js';

const CONTENT_RANGE = /^bytes (\d{1,16})-(\d{1,16}|\*)\/(\d{1,16}|\*)$/;

/**
 * `PUT /v1/uploads/:id` streams bytes into a staged upload (`Authorization: Bearer <upload token>`,
 * `Content-Type: application/octet-stream`, optional `Content-Range: bytes <start>-<end|*>/<total|*>` to resume);
 * `GET` reports where to resume. The token, not a session, authorises these requests: it unlocks one upload only.
 */
@Controller('v1/uploads')
export class UploadsController {
  constructor(@Inject(UploadsService) private readonly uploads: UploadsService) {}

  @Put(':id')
  @Public()
  @HttpCode(200)
  put(
    @Param('id', UuidPipe) id: string,
    @Headers('authorization') authorization: string | undefined,
    @Headers('content-range') contentRange: string | undefined,
    @Req() req: { body: unknown },
  ): Promise<UploadProgress> {
    const token = bearer(authorization);
    let start = 0;
    if (contentRange !== undefined) {
      const m = CONTENT_RANGE.exec(contentRange.trim());
      if (!m) {
        throw badInput('Content-Range must be "bytes <start>-<end|*>/<total|*>"', { field: 'content-range' });
      }
      start = Number(m[1]);
    }
    const body = req.body as Readable | undefined;
    if (!body || typeof (body as Partial<Readable>)[Symbol.asyncIterator] !== 'function') {
      throw badInput('send the bytes as application/octet-stream', { field: 'content-type' });
    }
    return this.uploads.receive(id, token, start, body);
  }

  @Get(':id')
  @Public()
  status(
    @Param('id', UuidPipe) id: string,
    @Headers('authorization') authorization: string | undefined,
  ): Promise<UploadProgress> {
    return this.uploads.status(id, bearer(authorization));
  }
}

function bearer(header: string | undefined): string {
  const m = /^Bearer (\S+)$/.exec(header ?? '');
  if (!m) throw linkGone('upload');
  return m[1]!;
}
