import { Module } from '@nestjs/common';
import { ModelsRepository } from './models.repository.js';
import { ModelsResolver } from './models.resolver.js';
import { ModelsService } from './models.service.js';

/** Model metadata: create, update, archive, search. Versions and artifacts arrive with the artifacts feature. */
@Module({
  providers: [ModelsRepository, ModelsService, ModelsResolver],
  exports: [ModelsService],
})
export class ModelsModule {}
