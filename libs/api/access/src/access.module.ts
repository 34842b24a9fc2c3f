import { Module } from '@nestjs/common';
import { ModelGrantRepository } from './model-grant.repository.js';
import { ModelGrantsResolver } from './model-grants.resolver.js';
import { ModelGrantsService } from './model-grants.service.js';

/** Per-model grants and the rules that combine them with tenant roles and API key restrictions. */
@Module({
  providers: [ModelGrantRepository, ModelGrantsService, ModelGrantsResolver],
  exports: [ModelGrantsService],
})
export class AccessModule {}
