/**
 * A response-format object (`{type: 'text' | 'json_object' | 'json_schema', …}`) → the normalized
 * `ResponseFormat`, shared by chat completions (`response_format`, the schema under `json_schema`)
 * and Responses (`text.format`, the schema fields on the format itself).
 *
 * @module
 */
import type { ResponseFormat } from '../providers/spec/index.js';
import { invalid, isObject, optionalBoolean, optionalString, requiredString, type JsonObject } from './field-checks.js';

/**
 * `path` is the format's field path (`response_format`, `text.format`); `specField` names the
 * member holding `name`, `schema`, `description` and `strict`, or undefined when the format itself does.
 */
export function parseFormatObject(format: JsonObject, path: string, specField: string | undefined): ResponseFormat {
  switch (format['type']) {
    case 'text':
      return { type: 'text' };
    case 'json_object':
      return { type: 'json_object' };
    case 'json_schema': {
      const specPath = specField === undefined ? path : `${path}.${specField}`;
      const spec = specField === undefined ? format : format[specField];
      if (!isObject(spec)) throw invalid(specPath, 'must be an object with a name and a schema');
      const name = requiredString(spec, 'name', `${specPath}.name`);
      const schema = spec['schema'];
      if (!isObject(schema)) throw invalid(`${specPath}.schema`, 'must be a JSON Schema object');
      const result: ResponseFormat = { type: 'json_schema', name, schema };
      const description = optionalString(spec, 'description', `${specPath}.description`);
      if (description !== undefined) result.description = description;
      const strict = optionalBoolean(spec, 'strict', `${specPath}.strict`);
      if (strict !== undefined) result.strict = strict;
      return result;
    }
    default:
      throw invalid(`${path}.type`, "must be one of 'text', 'json_object', 'json_schema'");
  }
}
