import { Readable } from 'node:stream';
import { Controller, Get, Headers, Inject, Param, Req, Res } from '@nestjs/common';
import { Public } from '@arca/api-core';
import { DownloadsService, type GrantState } from './downloads.service.js';

interface StreamReply {
  status(code: number): StreamReply;
  headers(values: Record<string, string>): StreamReply;
  send(payload: unknown): StreamReply;
}

/**
 * `GET /v1/downloads/:token` streams a version's decrypted bytes (Range supported). The path is the secret: a
 * one-time, short-lived grant issued by the `createDownload` mutation. `GET …/status` tells a client whose
 * transfer broke off whether the server stopped it (e.g. `failed` with INTEGRITY_ERROR).
 */
@Controller('v1/downloads')
export class DownloadsController {
  constructor(@Inject(DownloadsService) private readonly downloads: DownloadsService) {}

  @Get(':token/status')
  @Public()
  status(@Param('token') token: string): Promise<{ state: GrantState; failureCode: string | null }> {
    return this.downloads.status(token);
  }

  @Get(':token')
  @Public()
  async download(
    @Param('token') token: string,
    @Headers('range') range: string | undefined,
    @Req() req: { method: string },
    @Res() reply: StreamReply,
  ): Promise<void> {
    // Fastify answers HEAD with the GET handler: a link checker must not spend the grant or decrypt the model.
    if (req.method === 'HEAD') {
      reply.status(405).headers({ allow: 'GET' }).send('');
      return;
    }
    const response = await this.downloads.open(token, range);
    reply.status(response.status).headers(response.headers);
    // A mid-stream failure destroys the stream, so the client sees a short body, never unverified bytes.
    reply.send(response.body ? Readable.from(response.body, { objectMode: false }) : '');
  }
}
