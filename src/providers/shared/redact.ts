/**
 * Scrubbing of what an upstream says before any of it reaches a client, a log or an error: the
 * call's own secrets in any spelling the upstream might echo, and anything shaped like a vendor key.
 *
 * @module
 */

/** What a redacted secret reads as. */
export const REDACTED = '[redacted]';

/** A run of this many characters of a secret (or of its base64 forms) counts as the secret. */
export const MIN_FRAGMENT = 8;

/** Only this much of a text is scrubbed and kept (callers show 500 characters at most). */
export const MAX_REDACTED_INPUT = 4000;

/**
 * Vendor key shapes: OpenAI/Anthropic/DeepSeek `sk-`, `pk-`, `rk-`, Groq `gsk_`, xAI `xai-`,
 * Fireworks `fw_`, Hugging Face `hf_`, Replicate `r8_`, NVIDIA `nvapi-`, Perplexity `pplx-`,
 * Cerebras `csk-`, GitHub `ghp_`/`gho_`/`github_pat_`, GitLab `glpat-`, generic `key-`/`api_key_`;
 * Google API keys `AIza…` and OAuth tokens `ya29.…`; AWS access key ids; a `Bearer` token. Masked
 * echoes (`sk-ab***yz`) match too: `*` counts as a key character.
 */
const KEY_PATTERNS =
  /\b(?:sk|pk|rk|key|api_key|gsk|xai|fw|hf|r8|nvapi|pplx|csk|ghp|gho|github_pat|glpat)[-_][A-Za-z0-9_*.-]*(?:\*[A-Za-z0-9_*.-]*|[A-Za-z0-9_.-]{8,})|\bAIza[A-Za-z0-9_*-]{8,}|\bya29\.[A-Za-z0-9_*.-]{8,}|\b(?:AKIA|ASIA)[A-Z0-9*]{12,}|\bBearer\s+[A-Za-z0-9._~+/*=-]{8,}/g;

/**
 * Ids of the operator's vendor account, which a vendor names in its errors ("… in organization
 * org-… on tokens per min"): OpenAI organization and project ids, UUIDs (Anthropic's organization),
 * Google project numbers. One tenant must not learn the account every tenant shares.
 */
const ACCOUNT_PATTERNS =
  /\borg-[A-Za-z0-9]{8,}|\bproj_[A-Za-z0-9]{8,}|\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b|\bproject_number:\s*\d+|\bprojects\/\d{6,}/gi;
const ACCOUNT = '[account]';

/**
 * `text` without the secrets: every run of 8+ characters taken from a secret, from its base64 or
 * from its base64url form (so the whole secret, any prefix or suffix, a middle fragment), shorter
 * secrets (4–7 characters) when whole, anything shaped like a vendor key (KEY_PATTERNS), and the
 * vendor account's ids (ACCOUNT_PATTERNS). Only the first MAX_REDACTED_INPUT characters are kept.
 */
export function redact(text: string, secrets: readonly (string | undefined)[]): string {
  return redactor(secrets)(text);
}

/**
 * `redact` for many texts and the same secrets: the secrets' fragments are taken once (a vendor's
 * failure event can hold hundreds of thousands of strings, each scrubbed on its own).
 */
export function redactor(secrets: readonly (string | undefined)[]): (text: string) => string {
  const short: string[] = [];
  const fragments = new Set<string>();
  for (const secret of secrets) {
    if (!secret || secret.length < 4) continue;
    if (secret.length < MIN_FRAGMENT) {
      short.push(secret);
      continue;
    }
    const bytes = Buffer.from(secret, 'utf8');
    for (const form of [secret, bytes.toString('base64'), bytes.toString('base64url')]) {
      for (let index = 0; index + MIN_FRAGMENT <= form.length; index++) fragments.add(form.slice(index, index + MIN_FRAGMENT));
    }
  }
  return (text) => {
    // Nothing shorter than a short secret can hold a secret, a key shape or an account id.
    if (text.length < 4) return text;
    let result = text.length > MAX_REDACTED_INPUT ? text.slice(0, MAX_REDACTED_INPUT) : text;
    for (const secret of short) result = result.split(secret).join(REDACTED);
    if (fragments.size > 0) result = redactFragments(result, fragments);
    return result.replace(KEY_PATTERNS, REDACTED).replace(ACCOUNT_PATTERNS, ACCOUNT);
  };
}

/** Replaces each maximal run of overlapping fragment matches with one REDACTED. */
function redactFragments(text: string, fragments: ReadonlySet<string>): string {
  let output = '';
  let copied = 0; // text before this index is in `output`
  let runEnd = -1; // end of the run of matches being collected, -1 when none
  let runStart = 0;
  for (let index = 0; index + MIN_FRAGMENT <= text.length; index++) {
    if (!fragments.has(text.slice(index, index + MIN_FRAGMENT))) continue;
    if (runEnd !== -1 && index <= runEnd) {
      runEnd = index + MIN_FRAGMENT;
      continue;
    }
    if (runEnd !== -1) {
      output += text.slice(copied, runStart) + REDACTED;
      copied = runEnd;
    }
    runStart = index;
    runEnd = index + MIN_FRAGMENT;
  }
  if (runEnd === -1) return text;
  return output + text.slice(copied, runStart) + REDACTED + text.slice(runEnd);
}

/** A request field path: `max_tokens`, `messages[0].content`, `messages.[2].role`, `contents[0].parts[0].text`. */
const FIELD_PATH = /^[A-Za-z_][A-Za-z0-9_]*(?:\.?\[\d{1,6}\]|\.[A-Za-z_][A-Za-z0-9_]*)*$/;

/**
 * The vendor's `param` when it is a plausible field path (at most 128 characters) with nothing to
 * redact in it; otherwise undefined (the client sees `param: null`).
 */
export function safeParam(param: string | undefined, secrets: readonly (string | undefined)[]): string | undefined {
  if (param === undefined || param.length > 128 || !FIELD_PATH.test(param)) return undefined;
  return redact(param, secrets) === param ? param : undefined;
}

/** A vendor error code or type (`rate_limit_error`, `RESOURCE_EXHAUSTED`) when it is one, with nothing to redact. */
export function safeUpstreamCode(code: string | undefined, secrets: readonly (string | undefined)[]): string | undefined {
  if (code === undefined || !/^[A-Za-z0-9_.:-]{1,64}$/.test(code)) return undefined;
  return redact(code, secrets) === code ? code : undefined;
}
