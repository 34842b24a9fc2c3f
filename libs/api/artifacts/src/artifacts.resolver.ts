import { Inject } from '@nestjs/common';
import { Args, ID, Int, Mutation, Query, Resolver } from '@nestjs/graphql';
import { Limits, Permission } from '@arca/contracts';
import { Can, Ctx, UuidPipe, badInput, type TenantContext } from '@arca/api-core';
import { CreateUploadInput, FinalizeUploadInput } from './dto/artifact.inputs.js';
import { DownloadsService } from './downloads/downloads.service.js';
import { toGrant, toUpload, toVersion } from './models/mappers.js';
import { ModelVersionConnection, ModelVersionModel, VersionStateEnum } from './models/model-version.model.js';
import { DownloadGrantModel, UploadModel } from './models/transfer.models.js';
import { UploadsService } from './uploads/uploads.service.js';
import { VersionsService } from './versions/versions.service.js';

/** GraphQL edge of model versions: staged uploads, versions, download grants. No file bytes travel here. */
@Resolver(() => ModelVersionModel)
export class ArtifactsResolver {
  constructor(
    @Inject(UploadsService) private readonly uploads: UploadsService,
    @Inject(VersionsService) private readonly versions: VersionsService,
    @Inject(DownloadsService) private readonly downloads: DownloadsService,
  ) {}

  @Query(() => ModelVersionModel)
  @Can(Permission.ModelsRead)
  async modelVersion(
    @Ctx() ctx: TenantContext,
    @Args('id', { type: () => ID }, UuidPipe) id: string,
  ): Promise<ModelVersionModel> {
    return toVersion(await this.versions.get(ctx, id));
  }

  @Query(() => ModelVersionModel, {
    description:
      'A version of a model (id or name) by reference: "latest" (default), a number such as 3 or v3, or an alias.',
  })
  @Can(Permission.ModelsRead)
  async resolveModelVersion(
    @Ctx() ctx: TenantContext,
    @Args('model') model: string,
    @Args('ref', { type: () => String, nullable: true }) ref?: string,
  ): Promise<ModelVersionModel> {
    if (model.length > 100) throw badInput('model must be a model id or name', { field: 'model' });
    return toVersion(await this.versions.resolve(ctx, model, ref));
  }

  @Query(() => ModelVersionConnection, { description: 'Versions of a model, newest first.' })
  @Can(Permission.ModelsRead)
  async modelVersions(
    @Ctx() ctx: TenantContext,
    @Args('modelId', { type: () => ID }, UuidPipe) modelId: string,
    @Args('first', { type: () => Int, nullable: true }) first?: number,
    @Args('after', { type: () => String, nullable: true }) after?: string,
    @Args('state', { type: () => VersionStateEnum, nullable: true }) state?: VersionStateEnum,
    @Args('tags', { type: () => [String], nullable: true }) tags?: string[],
    @Args('query', { type: () => String, nullable: true }) query?: string,
    @Args('includeArchived', { type: () => Boolean, nullable: true }) includeArchived?: boolean,
  ): Promise<ModelVersionConnection> {
    if (query && query.length > Limits.searchQueryMax) {
      throw badInput(`query must be at most ${Limits.searchQueryMax} characters`, { field: 'query' });
    }
    const page = await this.versions.list(ctx, modelId, {
      first,
      after,
      state,
      tags,
      query,
      includeArchived,
    });
    return {
      edges: page.rows.map(({ row, cursor }) => ({ cursor, node: toVersion(row) })),
      pageInfo: { hasNextPage: page.hasNextPage, endCursor: page.rows.at(-1)?.cursor ?? null },
    };
  }

  @Mutation(() => UploadModel, { description: 'Starts a staged upload; PUT the bytes to the returned url.' })
  @Can(Permission.VersionsUpload)
  async createUpload(
    @Ctx() ctx: TenantContext,
    @Args('input') input: CreateUploadInput,
  ): Promise<UploadModel> {
    const { upload, token } = await this.uploads.create(ctx, input);
    return toUpload(upload, token);
  }

  @Mutation(() => ModelVersionModel, {
    description: 'Turns a complete upload into the next version and validates it (state ready or failed).',
  })
  @Can(Permission.VersionsUpload)
  async finalizeUpload(
    @Ctx() ctx: TenantContext,
    @Args('uploadId', { type: () => ID }, UuidPipe) uploadId: string,
    @Args('input', { type: () => FinalizeUploadInput, nullable: true }) input?: FinalizeUploadInput,
  ): Promise<ModelVersionModel> {
    return toVersion(await this.versions.finalize(ctx, uploadId, input ?? {}));
  }

  @Mutation(() => Boolean)
  @Can(Permission.VersionsUpload)
  async abortUpload(
    @Ctx() ctx: TenantContext,
    @Args('uploadId', { type: () => ID }, UuidPipe) uploadId: string,
  ): Promise<boolean> {
    await this.uploads.abort(ctx, uploadId);
    return true;
  }

  @Mutation(() => DownloadGrantModel, {
    description: 'A one-time, short-lived link to the raw bytes of a ready version (audited).',
  })
  @Can(Permission.VersionsDownloadRaw)
  async createDownload(
    @Ctx() ctx: TenantContext,
    @Args('versionId', { type: () => ID }, UuidPipe) versionId: string,
  ): Promise<DownloadGrantModel> {
    const { grant, token, version } = await this.downloads.createGrant(ctx, versionId);
    return toGrant(grant, token, version);
  }
}
