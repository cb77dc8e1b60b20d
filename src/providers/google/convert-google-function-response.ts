import { parseDataUrl } from '../shared/data-url.js';
import { TOOL_IMAGE_ALTERNATIVES, toolImageRefused } from '../shared/tool-result-images.js';
import type { ImagePart, ToolMessage } from '../spec/index.js';
import type { GoogleFunctionResponse } from './google-api.js';

/**
 * The image types a function response may carry (the documents Gemini also takes there, PDF and
 * plain text, have no normalized part). https://ai.google.dev/gemini-api/docs/function-calling#multimodal
 */
const FUNCTION_RESPONSE_IMAGE_TYPES = new Set(['image/png', 'image/jpeg', 'image/webp']);

/**
 * A tool result as a `functionResponse` answering the function `name`. Its text becomes `response`
 * (a JSON object result as is, anything else as `{content: <text>}`); its images, Gemini 3 and later
 * only (`multimodal`), become `parts` of inline data, after the text as Gemini's shape has it.
 * Refused before any upstream call (400 `unsupported_feature` naming the image): any image for an
 * earlier model, an image by URL (the Gemini API takes inline bytes only there), another image type.
 */
export function convertGoogleFunctionResponse(message: ToolMessage, name: string, multimodal: boolean): GoogleFunctionResponse {
  const converted: GoogleFunctionResponse = { name, response: toolResponse(message.content) };
  const images = message.parts?.filter((part): part is ImagePart => part.type === 'image') ?? [];
  if (images.length === 0) return converted;
  converted.parts = images.map((image) => {
    if (!multimodal) {
      throw toolImageRefused(image, `Gemini models before Gemini 3 take no image in a function response (multimodal function responses are Gemini 3 and later). ${TOOL_IMAGE_ALTERNATIVES}`);
    }
    const inline = parseDataUrl(image.url);
    if (inline === undefined) throw toolImageRefused(image, 'Gemini takes an image in a function response as inline data only: send it as a base64 data: URL.');
    if (!FUNCTION_RESPONSE_IMAGE_TYPES.has(inline.mimeType)) {
      // The type is the client's text: clipped, so an error (and its log line) stays small.
      const type = inline.mimeType.length > 64 ? `${inline.mimeType.slice(0, 64)}…` : inline.mimeType;
      throw toolImageRefused(image, `Gemini takes image/png, image/jpeg and image/webp in a function response, not ${type}.`);
    }
    return { inlineData: inline };
  });
  return converted;
}

/** A JSON object result is sent as is; anything else is wrapped as `{content: <text>}`. */
function toolResponse(content: string): Record<string, unknown> {
  if (content.trimStart().startsWith('{')) {
    try {
      const value: unknown = JSON.parse(content);
      if (typeof value === 'object' && value !== null && !Array.isArray(value)) return value as Record<string, unknown>;
    } catch {
      // not JSON after all: fall through
    }
  }
  return { content };
}
