export { GoogleProviderClass } from './google-provider.js';
