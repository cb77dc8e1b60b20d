// Micro-benchmark of the JSON structure pass (src/server/json-structure.ts) on a typical 1-2 KB
// chat body, next to JSON.parse of the same body. A few seconds; not a load test.
// Run: node --import tsx bench/json-scan.mjs
import { findStructureExcess } from '../src/server/json-structure.ts';

const limits = { maxJsonDepth: 64, maxJsonElements: 200_000 };
const chat = Buffer.from(
  JSON.stringify({
    model: 'gpt-4o-mini',
    temperature: 0.2,
    stream: true,
    stream_options: { include_usage: true },
    messages: [
      { role: 'system', content: 'You are a helpful assistant that answers questions about the weather in a concise way. Use the tools when needed.' },
      { role: 'user', content: 'What is the weather like in Paris today? And should I bring an umbrella if I walk to the "Louvre" at 3pm?' },
      { role: 'assistant', content: null, tool_calls: [{ id: 'call_abc123', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Paris","unit":"celsius"}' } }] },
      { role: 'tool', tool_call_id: 'call_abc123', content: '{"temperature":18,"condition":"light rain","precipitation_probability":0.7}' },
      { role: 'user', content: [{ type: 'text', text: 'Thanks. Also summarize the forecast for the whole week in one sentence, please, and mention the warmest day.' }] },
    ],
    tools: [
      {
        type: 'function',
        function: {
          name: 'get_weather',
          description: 'Get the current weather for a city',
          parameters: { type: 'object', properties: { city: { type: 'string', description: 'City name' }, unit: { type: 'string', enum: ['celsius', 'fahrenheit'] } }, required: ['city'] },
        },
      },
    ],
  }),
);
const image = Buffer.from(
  JSON.stringify({ model: 'm', messages: [{ role: 'user', content: [{ type: 'image_url', image_url: { url: `data:image/png;base64,${Buffer.alloc(15e6, 7).toString('base64')}` } }] }] }),
);

function perCall(fn, iterations) {
  for (let index = 0; index < Math.min(iterations, 20_000); index++) fn();
  const started = performance.now();
  for (let index = 0; index < iterations; index++) fn();
  return ((performance.now() - started) * 1000) / iterations;
}

if (findStructureExcess(chat, limits) !== undefined) throw new Error('the sample body should pass');
const scan = perCall(() => findStructureExcess(chat, limits), 300_000);
const parse = perCall(() => JSON.parse(chat.toString('utf8')), 100_000);
const imageMs = perCall(() => findStructureExcess(image, limits), 20) / 1000;
console.log(`chat body ${chat.length} bytes: structure pass ${scan.toFixed(2)} µs, toString + JSON.parse ${parse.toFixed(2)} µs`);
console.log(`image body ${(image.length / 1e6).toFixed(1)} MB: structure pass ${imageMs.toFixed(2)} ms`);
