export { AnthropicProviderClass } from './anthropic-provider.js';
