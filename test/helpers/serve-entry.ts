// The entry of the `switchboard serve` processes that serve-process.ts spawns: the real CLI run
// from source (through tsx), exactly as bin/switchboard.js runs the built one.
import { main } from '../../src/cli/main.js';

process.exitCode = await main(process.argv.slice(2));
