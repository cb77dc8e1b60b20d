export { CustomProviderClass } from './custom-provider.js';
