export { AccessModule } from './access.module.js';
export {
  modelPermissions,
  modelVisibilityFilter,
  type ModelVisibilityFilter,
  type Visibility,
} from './model-permissions.js';
