import { readJson } from '../shared/http.js';
import type { ProviderDeps } from '../shared/provider-deps.js';
import type { CallOptions, ChatRequest, ChatResponse, Provider, StreamPart } from '../spec/index.js';
import type { CompatibleEndpoint } from '../openai/compatible-endpoint.js';
import { assertTemplateSupports, convertTemplateResponse, renderTemplateBody } from './render-request-template.js';
import type { RequestTemplate } from './request-template.js';

/**
 * A provider for a JSON API described by a request template (see request-template.ts). It has no
 * `embed`. `stream()` makes one ordinary call and replays its answer as a stream.
 */
export function createTemplateProvider(
  name: string,
  deps: ProviderDeps,
  endpoint: CompatibleEndpoint,
  template: RequestTemplate,
): Provider {
  async function chat(request: ChatRequest, options: CallOptions): Promise<ChatResponse> {
    assertTemplateSupports(name, request);
    const response = await endpoint.post(template.path, renderTemplateBody(template, request, options), options);
    const json = await readJson(name, response, options.signal);
    try {
      return convertTemplateResponse(name, template, json, {
        model: request.model,
        created: Math.floor(deps.now() / 1000),
        randomId: deps.randomId,
      });
    } catch (error) {
      // A 200 whose body is an error instead of the answer names the vendor's message, as on compatible rows.
      throw endpoint.answeredError(json, options) ?? error;
    }
  }

  async function* stream(request: ChatRequest, options: CallOptions): AsyncGenerator<StreamPart> {
    const response = await chat(request, options);
    const [choice] = response.choices;
    yield { type: 'stream-start', id: response.id, model: response.model, created: response.created };
    if (choice?.content) yield { type: 'text-delta', text: choice.content };
    yield { type: 'finish', finishReason: choice?.finishReason ?? 'stop', usage: response.usage };
  }

  return { specVersion: 'v1', name, chat, stream };
}
