// The benches' chat messages with the user's prompt lengthened to about `kb` KB of words (the
// long contexts of agents and chat histories): BENCH_HELD_PROMPT_KB in `npm run bench`,
// AB_PROMPT_KB in `npm run bench:ab`. kb = 0: the messages as they are.
const WORDS = ['gateway', 'stream', 'token', 'budget', 'route', 'vendor', 'prompt', 'answer'];

export function withLongPrompt(messages, kb) {
  if (kb === 0) return messages;
  let text = '';
  for (let i = 0; text.length < kb * 1024; i++) text += `${WORDS[(i * 7) % WORDS.length]} `;
  const last = messages.at(-1);
  return [...messages.slice(0, -1), { ...last, content: `${text}\n${last.content}` }];
}
