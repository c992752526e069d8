// One replay run in its own process, so its peak memory is its own: replays COUNT copies of a
// LaunchRequest against URL and prints the ReplayThroughput as JSON.
import { builtinLaunch } from '../src/replay/envelopes.js';
import { measureReplayThroughput } from '../src/replay/runner.js';
import { EndpointTarget } from '../src/replay/targets/endpoint.js';

const [url, countText, concurrencyText] = process.argv.slice(2);
const target = new EndpointTarget(url!, { timeoutMs: 5000 });
const result = await measureReplayThroughput({
  target,
  envelope: builtinLaunch({ skillId: undefined, locale: 'en-US' }),
  count: Number(countText),
  concurrency: Number(concurrencyText ?? 16),
  token: { kind: 'set', token: 'bench-token-0123456789abcdef' },
});
await target.close?.();
process.stdout.write(JSON.stringify(result) + '\n');
