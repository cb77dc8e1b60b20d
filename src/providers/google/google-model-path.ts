/** The resource name of a model: `models/<id>`, or the id as given when it names a collection (`tunedModels/…`). */
export function googleModelName(model: string): string {
  return model.includes('/') ? model : `models/${model}`;
}

/** The model's resource name as a URL path; each segment is encoded so a row value cannot change the route. */
export function googleModelPath(model: string): string {
  return googleModelName(model).split('/').map(encodeURIComponent).join('/');
}

/** Gemini 3 and later reject history whose function calls lack their `thoughtSignature`. */
export function requiresThoughtSignature(model: string): boolean {
  return isGemini3OrLater(model);
}

/**
 * Gemini 3 and later take media in a function response (`functionResponse.parts`); earlier models
 * answer 400. https://ai.google.dev/gemini-api/docs/function-calling#multimodal
 */
export function takesMultimodalFunctionResponses(model: string): boolean {
  return isGemini3OrLater(model);
}

function isGemini3OrLater(model: string): boolean {
  const id = model.startsWith('models/') ? model.slice('models/'.length) : model;
  return /^gemini-([3-9]|\d{2,})/.test(id);
}
