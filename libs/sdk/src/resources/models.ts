import { Limits } from '@arca/contracts';
import {
  ArchiveModelDocument,
  CreateModelDocument,
  ModelDocument,
  ModelsDocument,
  RestoreModelDocument,
  UpdateModelDocument,
} from '../documents.js';
import { paginate, toPage } from '../pagination.js';
import type { Transport } from '../transport.js';
import type {
  Connection,
  CreateModelInput,
  ListModelsOptions,
  Model,
  Page,
  UpdateModelInput,
} from '../types.js';

export interface GetByNameOptions {
  /** Also match archived models (default true: names stay taken while archived). */
  includeArchived?: boolean;
}

export class ModelsApi {
  constructor(private readonly transport: Transport) {}

  /** One page of models, newest first as the server orders them. */
  async list(options: ListModelsOptions = {}): Promise<Page<Model>> {
    const { first, after, query, tags, includeArchived } = options;
    const data = await this.transport.graphql<{ models: Connection<Model> }>(ModelsDocument, {
      first,
      after,
      query,
      tags,
      includeArchived,
    });
    return toPage(data.models);
  }

  /** Every page from `options.after` on: `for await (const page of client.models.listAll({ tags }))`. */
  listAll(options: ListModelsOptions = {}): AsyncGenerator<Page<Model>, void, undefined> {
    return paginate(options, (o) => this.list(o));
  }

  /** Throws ArcaError NOT_FOUND when the id does not exist (or is not visible). */
  async get(id: string): Promise<Model> {
    return (await this.transport.graphql<{ model: Model }>(ModelDocument, { id })).model;
  }

  /** Exact name match, searching with `models(query: name)` through all pages; null when absent. */
  async getByName(name: string, options: GetByNameOptions = {}): Promise<Model | null> {
    const includeArchived = options.includeArchived ?? true;
    for await (const page of this.listAll({ query: name, includeArchived, first: Limits.pageSizeMax })) {
      const match = page.items.find((model) => model.name === name);
      if (match) return match;
    }
    return null;
  }

  async create(input: CreateModelInput): Promise<Model> {
    return (await this.transport.graphql<{ createModel: Model }>(CreateModelDocument, { input })).createModel;
  }

  async update(id: string, input: UpdateModelInput): Promise<Model> {
    return (await this.transport.graphql<{ updateModel: Model }>(UpdateModelDocument, { id, input }))
      .updateModel;
  }

  async archive(id: string): Promise<Model> {
    return (await this.transport.graphql<{ archiveModel: Model }>(ArchiveModelDocument, { id })).archiveModel;
  }

  async restore(id: string): Promise<Model> {
    return (await this.transport.graphql<{ restoreModel: Model }>(RestoreModelDocument, { id })).restoreModel;
  }
}
