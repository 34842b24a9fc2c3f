export { ModelsModule } from './models.module.js';
export { ModelsService, normalizeTags } from './models.service.js';
