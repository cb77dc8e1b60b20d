/**
 * The Gemini API (`generativelanguage.googleapis.com/v1beta`) wire format: only the fields we
 * send or read. Requests are plain types (we build them); responses are zod schemas, loose
 * because Google adds fields often.
 *
 * @module
 */
import { z } from 'zod';

/** One part of a turn. Exactly one data field is set. */
export type GooglePart =
  | { text: string }
  | { inlineData: { mimeType: string; data: string } }
  | { fileData: { fileUri: string; mimeType?: string } }
  | { functionCall: { name: string; args: Record<string, unknown>; id?: string }; thoughtSignature?: string }
  | { functionResponse: GoogleFunctionResponse };

/**
 * A function's result. `parts` (Gemini 3 and later: "multimodal function responses") carries media
 * the function returned, each as `inlineData` (the Gemini API takes no `fileData` here).
 */
export interface GoogleFunctionResponse {
  /** The `functionCall.id` it answers (Gemini 3 names its calls). */
  id?: string;
  name: string;
  response: Record<string, unknown>;
  parts?: { inlineData: { mimeType: string; data: string } }[];
}

export interface GoogleContent {
  role: 'user' | 'model';
  parts: GooglePart[];
}

export interface GoogleFunctionDeclaration {
  name: string;
  description?: string;
  /** Raw JSON Schema; unlike `parameters` (an OpenAPI subset) it accepts `additionalProperties` etc. */
  parametersJsonSchema?: Record<string, unknown>;
}

/** Gemini's thinking controls: a budget (2.5) or a level (3), and whether thought summaries come back. */
export interface GoogleThinkingConfig {
  thinkingBudget?: number;
  thinkingLevel?: 'MINIMAL' | 'LOW' | 'MEDIUM' | 'HIGH';
  includeThoughts?: boolean;
}

export interface GoogleGenerationConfig {
  temperature?: number;
  topP?: number;
  topK?: number;
  thinkingConfig?: GoogleThinkingConfig;
  maxOutputTokens?: number;
  stopSequences?: string[];
  seed?: number;
  presencePenalty?: number;
  frequencyPenalty?: number;
  candidateCount?: number;
  responseMimeType?: string;
  responseJsonSchema?: Record<string, unknown>;
}

/** Body of `:generateContent` and `:streamGenerateContent` (the model is in the URL). */
export interface GoogleGenerateContentRequest {
  contents: GoogleContent[];
  systemInstruction?: { parts: { text: string }[] };
  tools?: { functionDeclarations: GoogleFunctionDeclaration[] }[];
  toolConfig?: {
    functionCallingConfig: { mode: 'AUTO' | 'ANY' | 'NONE'; allowedFunctionNames?: string[] };
  };
  generationConfig?: GoogleGenerationConfig;
}

/** Gemini's task types for embeddings. */
export type GoogleTaskType = 'RETRIEVAL_DOCUMENT' | 'RETRIEVAL_QUERY' | 'CLASSIFICATION' | 'CLUSTERING';

/** Body of `:batchEmbedContents`. */
export interface GoogleBatchEmbedRequest {
  requests: {
    model: string;
    content: { parts: { text: string }[] };
    taskType?: GoogleTaskType;
    outputDimensionality?: number;
  }[];
}

const count = z.number().optional();

export const googleUsageMetadataSchema = z.looseObject({
  promptTokenCount: count,
  candidatesTokenCount: count,
  totalTokenCount: count,
  thoughtsTokenCount: count,
  cachedContentTokenCount: count,
  toolUsePromptTokenCount: count,
});

const responsePartSchema = z.looseObject({
  text: z.string().optional(),
  /** A thought summary, not answer text. */
  thought: z.boolean().optional(),
  thoughtSignature: z.string().optional(),
  functionCall: z
    .looseObject({ id: z.string().optional(), name: z.string(), args: z.record(z.string(), z.unknown()).optional() })
    .optional(),
});

const candidateSchema = z.looseObject({
  content: z.looseObject({ parts: z.array(responsePartSchema).optional() }).optional(),
  finishReason: z.string().optional(),
  index: z.number().optional(),
});

export const googleGenerateContentResponseSchema = z.looseObject({
  candidates: z.array(candidateSchema).optional(),
  promptFeedback: z.looseObject({ blockReason: z.string().optional() }).optional(),
  usageMetadata: googleUsageMetadataSchema.optional(),
  modelVersion: z.string().optional(),
  responseId: z.string().optional(),
});

export type GoogleUsageMetadata = z.infer<typeof googleUsageMetadataSchema>;
export type GoogleResponsePart = z.infer<typeof responsePartSchema>;
export type GoogleGenerateContentResponse = z.infer<typeof googleGenerateContentResponseSchema>;

/** `{"error": {code, message, status, details}}`: google.rpc.Status in JSON. */
export const googleErrorBodySchema = z.looseObject({
  error: z.looseObject({
    code: z.number().optional(),
    message: z.string().optional(),
    status: z.string().optional(),
    details: z
      .array(
        z.looseObject({
          '@type': z.string().optional(),
          /** google.rpc.ErrorInfo */
          reason: z.string().optional(),
          /** google.rpc.RetryInfo, a protobuf Duration such as `"7s"` or `"0.5s"`. */
          retryDelay: z.string().optional(),
          /** google.rpc.BadRequest */
          fieldViolations: z.array(z.looseObject({ field: z.string().optional() })).optional(),
        }),
      )
      .optional(),
  }),
});

export type GoogleErrorBody = z.infer<typeof googleErrorBodySchema>;

export const googleBatchEmbedResponseSchema = z.looseObject({
  embeddings: z.array(z.looseObject({ values: z.array(z.number()) })),
});
