/**
 * Registry models → OpenAI's model objects.
 *
 * @module
 */
import type { ModelEntry } from '../registry/provider-registry.js';

export interface OpenAIModel {
  id: string;
  object: 'model';
  /** Unix seconds: model rows carry no creation time in the snapshot, so when it was loaded. */
  created: number;
  /** The provider row's name. */
  owned_by: string;
}

export function encodeModel(model: Pick<ModelEntry, 'name' | 'providerName'>, created: number): OpenAIModel {
  return { id: model.name, object: 'model', created, owned_by: model.providerName };
}

export function encodeModelList(models: readonly ModelEntry[], created: number): { object: 'list'; data: OpenAIModel[] } {
  return { object: 'list', data: models.map((model) => encodeModel(model, created)) };
}
