/**
 * Which environment variables a provider row may name in `required_env_vars`. A row is data that
 * the admin token or any database writer can change, so the gateway reads only the variables the
 * operator allows (`SWITCHBOARD_ALLOWED_ENV_VARS`, default `*_API_KEY`) and never its own
 * configuration (`SWITCHBOARD_*`, `DATABASE_URL`, `PG*`), whatever the setting says.
 *
 * @module
 */
import { SwitchboardError } from '../errors.js';

/** The setting listing the allowed names (comma-separated names or `*` glob patterns). */
export const ALLOWED_ENV_VARS_SETTING = 'SWITCHBOARD_ALLOWED_ENV_VARS';
/** What is allowed when the setting is unset: the names every seeded provider row uses. */
export const DEFAULT_ALLOWED_ENV_VARS: readonly string[] = ['*_API_KEY'];
/** Never resolved through a provider row, whatever the setting says (compared case-insensitively). */
export const HARD_DENIED_ENV_VARS: readonly string[] = ['SWITCHBOARD_*', 'DATABASE_URL', 'PG*'];

const PATTERN_SHAPE = /^[A-Za-z0-9_*]+$/;

/** Decides whether a provider row may read an env var. */
export interface EnvVarPolicy {
  /** The patterns in force, as configured. */
  readonly allowed: readonly string[];
  /** Why `name` may not be read (a clause after "which"), or undefined when it may. Never contains a value. */
  refusal(name: string): string | undefined;
}

/**
 * The policy of a setting value (undefined or blank: the default). Throws `invalid_request` naming
 * the setting when an entry is not a name or a glob pattern.
 */
export function createEnvVarPolicy(setting: string | undefined): EnvVarPolicy {
  const entries = setting === undefined || setting.trim() === '' ? DEFAULT_ALLOWED_ENV_VARS : splitSetting(setting);
  const allowed = entries.map((pattern) => globToRegExp(pattern));
  const decide = (name: string): string | undefined => {
    if (isHardDeniedEnvVar(name)) {
      return `is reserved for the gateway itself (${HARD_DENIED_ENV_VARS.join(', ')} are never read through a provider row)`;
    }
    if (!allowed.some((pattern) => pattern.test(name))) {
      return `is not allowed by ${ALLOWED_ENV_VARS_SETTING} (now: ${entries.join(',')}; the operator may add it there)`;
    }
    return undefined;
  };
  // Asked on every call that falls back to env vars, about the few names the provider rows list.
  const decided = new Map<string, string | undefined>();
  return Object.freeze({
    allowed: Object.freeze([...entries]),
    refusal(name: string): string | undefined {
      if (decided.has(name)) return decided.get(name);
      const reason = decide(name);
      // Bounded: the names come from rows any database writer can change.
      if (decided.size >= 256) decided.clear();
      decided.set(name, reason);
      return reason;
    },
  });
}

const hardDenied = HARD_DENIED_ENV_VARS.map((pattern) => globToRegExp(pattern, 'i'));

/** True when `name` is never read through a provider row, whatever the setting says. */
export function isHardDeniedEnvVar(name: string): boolean {
  return hardDenied.some((pattern) => pattern.test(name));
}

/** The policy configured in an env map (the same map the env-var fallback reads). */
export function envVarPolicyOf(env: Readonly<Record<string, string | undefined>>): EnvVarPolicy {
  return createEnvVarPolicy(env[ALLOWED_ENV_VARS_SETTING]);
}

/** The first refused name among `names` as "'NAME', which <reason>", or undefined when every name may be read. */
export function firstRefusal(policy: EnvVarPolicy, names: readonly string[]): string | undefined {
  for (const name of names) {
    const reason = policy.refusal(name);
    if (reason !== undefined) return `'${name}', which ${reason}`;
  }
  return undefined;
}

function splitSetting(setting: string): string[] {
  const entries = setting.split(',').map((entry) => entry.trim()).filter((entry) => entry !== '');
  for (const entry of entries) {
    if (!PATTERN_SHAPE.test(entry)) {
      throw new SwitchboardError(
        'invalid_request',
        `${ALLOWED_ENV_VARS_SETTING}: '${entry}' is not an env var name or a glob pattern (letters, digits, '_' and '*' only)`,
      );
    }
  }
  return entries;
}

function globToRegExp(pattern: string, flags = ''): RegExp {
  return new RegExp(`^${pattern.split('*').join('.*')}$`, flags);
}
