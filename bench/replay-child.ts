// One replay run in its own process, so its peak memory is its own: replays COUNT copies of a
// LaunchRequest (with a token) against URL and prints the ReplayThroughput as JSON.
import { benchEndpointReplay } from '../src/replay/bench.js';

const [url, countText, concurrencyText] = process.argv.slice(2);
const result = await benchEndpointReplay(url!, {
  count: Number(countText),
  concurrency: Number(concurrencyText ?? 16),
  token: { kind: 'set', token: 'bench-token-0123456789abcdef' },
  timeoutMs: 5000,
});
process.stdout.write(JSON.stringify(result) + '\n');
