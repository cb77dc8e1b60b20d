// Starts a node process pinned to one CPU (taskset) and resolves once its output matches
// `pattern` (the listening line), with the child and the pattern's first group (the port).
import { spawn } from 'node:child_process';

/**
 * @param {string[]} args        node's arguments after its options (the script first)
 * @param {{ cpu: number, pattern: RegExp, nodeOptions?: string[], cwd: string, env?: NodeJS.ProcessEnv, children: Set<import('node:child_process').ChildProcess> }} options
 *   children: every started child is added (the caller kills what is left on exit)
 */
export function startPinned(args, { cpu, pattern, nodeOptions = [], cwd, env = process.env, children }) {
  const child = spawn('taskset', ['-c', String(cpu), process.execPath, ...nodeOptions, ...args], { cwd, env, stdio: ['pipe', 'pipe', 'pipe'] });
  children.add(child);
  let output = '';
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${args[0]} did not start\n${output.slice(-2000)}`)), 60_000);
    child.stdout.setEncoding('utf8').on('data', (chunk) => {
      output += chunk;
      const match = pattern.exec(output);
      if (match) {
        clearTimeout(timer);
        resolve({ child, port: match[1] });
      }
    });
    child.stderr.setEncoding('utf8').on('data', (chunk) => (output += chunk));
    child.once('exit', (code) => reject(new Error(`${args[0]} exited (${code})\n${output.slice(-2000)}`)));
  });
}
