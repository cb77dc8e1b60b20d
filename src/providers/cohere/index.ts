export { CohereProviderClass, cohereDefaults } from './cohere-provider.js';
