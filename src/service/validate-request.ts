import { SwitchboardError } from '../errors.js';
import type { ChatRequest } from '../providers/spec/index.js';
import type { ModelEntry } from '../registry/provider-registry.js';

/**
 * Checks a chat request against the model row before any upstream call: the output limit and
 * the features the model (or its provider) declares. Only an explicit `false` forbids a feature.
 */
export function validateChatRequest(request: ChatRequest, model: ModelEntry, streaming: boolean): void {
  const features = model.features;
  if (request.maxTokens !== undefined && model.maxTokens !== undefined && request.maxTokens > model.maxTokens) {
    throw new SwitchboardError(
      'invalid_request',
      `max_tokens is too large: ${request.maxTokens}. The model '${model.name}' allows at most ${model.maxTokens} output tokens.`,
      { param: 'max_tokens' },
    );
  }
  if (streaming && features.streaming === false) throw unsupported(model, 'streaming', 'stream');
  if (request.tools && request.tools.length > 0 && features.tools === false) throw unsupported(model, 'tools', 'tools');
  if (features.vision === false && hasImage(request)) throw unsupported(model, 'image input (vision)', 'messages');
  if (features.json_mode === false && request.responseFormat && request.responseFormat.type !== 'text') {
    throw unsupported(model, 'JSON mode', 'response_format');
  }
  if (streaming && request.n !== undefined && request.n > 1) {
    throw new SwitchboardError('unsupported_feature', 'n > 1 is not supported with stream: true', { param: 'n' });
  }
}

/**
 * The request as the model row allows it: reasoning controls for a model whose features say
 * `reasoning: false` are dropped (a documented no-op, so clients that always send an effort keep
 * working); without that flag they reach the provider, which maps them to its vendor's control.
 */
export function applyModelFeatures(request: ChatRequest, model: ModelEntry): ChatRequest {
  if (request.reasoning === undefined || model.features.reasoning !== false) return request;
  const { reasoning: _dropped, ...rest } = request;
  return rest;
}

/** Embeddings need a model whose features do not say `embeddings: false`. */
export function validateEmbedModel(model: ModelEntry): void {
  if (model.features.embeddings === false) throw unsupported(model, 'embeddings', 'model');
}

function unsupported(model: ModelEntry, what: string, param: string): SwitchboardError {
  return new SwitchboardError('unsupported_feature', `The model '${model.name}' does not support ${what}.`, { param });
}

/** An image in a user turn, or in a tool result (a screenshot tool's). */
function hasImage(request: ChatRequest): boolean {
  return request.messages.some(
    (message) =>
      (message.role === 'user' && message.content.some((part) => part.type === 'image')) ||
      (message.role === 'tool' && message.parts?.some((part) => part.type === 'image') === true),
  );
}
