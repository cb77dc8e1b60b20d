/**
 * The normalized chat request: OpenAI chat-completions semantics, in camelCase, with no HTTP or
 * database types. Every provider class converts this to its vendor's wire format.
 *
 * @module
 */

/** A piece of text. */
export interface TextPart {
  type: 'text';
  text: string;
  /** Anthropic's `cache_control` marker, passed to Anthropic unchanged; other vendors ignore it. */
  cacheControl?: Record<string, unknown>;
}

/**
 * An image, by URL. `url` is either `http(s)://…` or a `data:<mime>;base64,<data>` URL, exactly as
 * OpenAI's `image_url.url`. Providers that need inline bytes (Anthropic, Gemini) decode data URLs.
 */
export interface ImagePart {
  type: 'image';
  url: string;
  /**
   * OpenAI's fidelity hint; ignored by providers that have none. `original` (full resolution) comes
   * only from the Responses API: chat-completions wires, which have no such value, get `high`.
   */
  detail?: 'auto' | 'low' | 'high' | 'original';
  /** Anthropic's `cache_control` marker, passed to Anthropic unchanged; other vendors ignore it. */
  cacheControl?: Record<string, unknown>;
  /**
   * The client's own field path of this image (`input[3].output[1]`, `messages.2.content.0.content.1`),
   * set where it differs from the chat-completions path: a provider that refuses the image names it.
   */
  param?: string;
}

/** A part of a user message, or of a tool result. */
export type ContentPart = TextPart | ImagePart;

/** A call the model asked for (in a response) or made earlier (in the history). */
export interface ToolCall {
  /** The call id; providers without ids (Gemini) get a synthesized one. */
  id: string;
  /** The function name. */
  name: string;
  /** The arguments as JSON text, exactly as OpenAI's `function.arguments`. */
  arguments: string;
  /**
   * Opaque vendor data that must travel with the call to later turns, e.g. Gemini 3's
   * `thoughtSignature`. Keys are vendor-defined.
   */
  providerMetadata?: Record<string, string>;
}

/**
 * Reasoning the model produced (Anthropic thinking, Gemini thoughts, DeepSeek-style
 * `reasoning_content`). In a history it travels back to the vendor that produced it.
 */
export interface ReasoningBlock {
  /** The reasoning text (a summary for vendors that only show one); may be empty when redacted. */
  text: string;
  /** Anthropic's thinking `signature`, or Gemini's `thoughtSignature`: opaque, sent back unchanged. */
  signature?: string;
  /** Anthropic's `redacted_thinking.data`: encrypted reasoning, sent back unchanged. */
  redactedData?: string;
  /**
   * The provider family that produced the block (`anthropic`, `google`, `openai`, `cohere`).
   * Signed or redacted blocks are only sent back to that family; other families drop them.
   */
  origin?: ProviderFamily;
}

/** The wire family a provider class speaks; native fields and signatures are family-bound. */
export type ProviderFamily = 'openai' | 'anthropic' | 'google' | 'cohere';

/** Instructions: `system`, or `developer` (OpenAI's newer name for it). */
export interface SystemMessage {
  role: 'system' | 'developer';
  content: string;
  /** Anthropic's `cache_control` on the system text, passed to Anthropic unchanged. */
  cacheControl?: Record<string, unknown>;
}

/** A user turn: always a list of parts (a plain string arrives as one text part). */
export interface UserMessage {
  role: 'user';
  content: ContentPart[];
  /** OpenAI's optional participant name. */
  name?: string;
}

/** An earlier model turn: text, tool calls, or both. */
export interface AssistantMessage {
  role: 'assistant';
  content: string | null;
  toolCalls?: ToolCall[];
  /** Reasoning of that turn, before its text, to round-trip (signed thinking blocks, thoughts). */
  reasoning?: ReasoningBlock[];
}

/**
 * The result of one tool call, answering `toolCallId`. Most results are text. A result that holds
 * an image (a computer-use or screenshot tool's) also has `parts`: providers whose vendor takes
 * images in tool results send those; the others refuse the request (`unsupported_feature`, naming
 * the image's `param`) before any upstream call, rather than drop the image.
 */
export interface ToolMessage {
  role: 'tool';
  toolCallId: string;
  /** The result's text; with `parts`, the text of its text parts (what text-only readers count). */
  content: string;
  /** The result as ordered text and image parts; set only when it holds at least one image. */
  parts?: ContentPart[];
}

/** One message of the conversation. */
export type ChatMessage = SystemMessage | UserMessage | AssistantMessage | ToolMessage;

/** A function the model may call. `parameters` is a JSON Schema object. */
export interface ToolDefinition {
  name: string;
  description?: string;
  parameters?: Record<string, unknown>;
  /** OpenAI structured-outputs strictness; dropped by providers without it. */
  strict?: boolean;
  /** Anthropic's `cache_control` on the tool definition, passed to Anthropic unchanged. */
  cacheControl?: Record<string, unknown>;
}

/** Which tool the model may or must call. */
export type ToolChoice = 'auto' | 'none' | 'required' | { name: string };

/** The shape the answer must take. */
export type ResponseFormat =
  | { type: 'text' }
  | { type: 'json_object' }
  | {
      type: 'json_schema';
      name: string;
      schema: Record<string, unknown>;
      description?: string;
      strict?: boolean;
    };

/**
 * OpenAI's reasoning effort levels (the union of every model's subset). `max` reaches an
 * OpenAI-family body as is; every other vendor serves it as `xhigh`.
 */
export type ReasoningEffort = 'none' | 'minimal' | 'low' | 'medium' | 'high' | 'xhigh' | 'max';

/**
 * How much the model should reason. `effort` is OpenAI's scale; `budgetTokens` is Anthropic's
 * explicit thinking budget. A provider maps whichever is set to its own control (see the
 * reasoning mapping in the docs); when both are set, the family's native one wins.
 */
export interface ReasoningOptions {
  effort?: ReasoningEffort;
  budgetTokens?: number;
}

/**
 * Vendor-native fields the client sent that Switchboard does not interpret, bound to one provider
 * family. The provider whose family matches merges `fields` into its wire body unchanged (they
 * never override a field Switchboard set); a provider of another family never sees them.
 */
export interface NativeFields {
  family: ProviderFamily;
  fields: Record<string, unknown>;
}

/** A normalized chat request. */
export interface ChatRequest {
  /** The provider's own model identifier (`ai_models.model_id`), not the public model name. */
  model: string;
  messages: ChatMessage[];
  tools?: ToolDefinition[];
  toolChoice?: ToolChoice;
  /** `false` asks for at most one tool call per turn. */
  parallelToolCalls?: boolean;
  responseFormat?: ResponseFormat;
  temperature?: number;
  topP?: number;
  /** Output token limit: OpenAI's `max_completion_tokens`, or its older `max_tokens`. */
  maxTokens?: number;
  /** Stop sequences (OpenAI allows up to 4). */
  stop?: string[];
  seed?: number;
  presencePenalty?: number;
  frequencyPenalty?: number;
  /** Number of choices; only honoured by providers that support it, never when streaming. */
  n?: number;
  /** End-user identifier for abuse monitoring; providers without one drop it. */
  user?: string;
  /** Reasoning controls; providers map them to their own (OpenAI effort, Anthropic thinking, Gemini thinkingConfig). */
  reasoning?: ReasoningOptions;
  /** Top-k sampling (Anthropic `top_k`, Gemini `topK`, Cohere `k`); dropped by OpenAI-family providers. */
  topK?: number;
  /** Vendor-native fields for the provider of one family, merged into its wire body unchanged. */
  native?: NativeFields;
}
