// The chat request every bench sends (a short system and user message), as an object: the benches
// derive their stream, routed and long-prompt bodies from it.
export const CHAT_REQUEST = Object.freeze({
  model: 'gpt-4o-mini',
  messages: [
    { role: 'system', content: 'You are a helpful assistant.' },
    { role: 'user', content: 'In one sentence, what does an LLM gateway do?' },
  ],
  max_tokens: 64,
  temperature: 0.2,
});
