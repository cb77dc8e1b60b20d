/**
 * Images in tool results (computer-use and screenshot tools), for the providers whose vendor
 * cannot take them: they refuse the request before any upstream call, naming the client's field,
 * rather than drop the image and change what the model is told.
 *
 * @module
 */
import { SwitchboardError } from '../../errors.js';
import type { ImagePart, ToolMessage } from '../spec/index.js';

/** What a client whose model cannot take an image in a tool result can do instead. */
export const TOOL_IMAGE_ALTERNATIVES =
  'Use a model whose vendor takes images in tool results (Anthropic, Gemini 3 and later), or send the image in a user message.';

/** The first image of a tool result, or undefined when it is text only. */
export function firstToolImage(message: ToolMessage): ImagePart | undefined {
  if (message.parts === undefined) return undefined;
  for (const part of message.parts) if (part.type === 'image') return part;
  return undefined;
}

/**
 * The 400 `unsupported_feature` for an image in a tool result, naming the image's path in the
 * client's request when known (`explanation`: which vendor rule it breaks, and what to do).
 */
export function toolImageRefused(image: ImagePart, explanation: string): SwitchboardError {
  const param = image.param ?? 'messages';
  return new SwitchboardError('unsupported_feature', `${param}: ${explanation} The request was not sent.`, { param });
}

/** Refuses a tool result holding an image, for a vendor whose tool results are text only (`rule` says so). */
export function refuseToolImage(message: ToolMessage, rule: string): void {
  const image = firstToolImage(message);
  if (image !== undefined) throw toolImageRefused(image, `${rule} ${TOOL_IMAGE_ALTERNATIVES}`);
}
