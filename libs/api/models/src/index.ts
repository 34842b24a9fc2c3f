export { ModelsModule } from './models.module.js';
export { ModelsService } from './models.service.js';
