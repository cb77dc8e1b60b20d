// The node flags every gateway of the benches runs with, Switchboard and the floor alike: those
// `npm start` gives the gateway (--no-memory-reducer: see src/cli/commands/memory-reducer.ts).
// BENCH_V8_FLAGS replaces them ('' for none, e.g. to measure a flag through AB_NODE_OPTIONS).
export const GATEWAY_NODE_FLAGS = (process.env.BENCH_V8_FLAGS ?? '--no-memory-reducer').split(' ').filter(Boolean);
