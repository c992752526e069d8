// Replay throughput and peak memory for 1,000 and 10,000 envelopes against a local endpoint (a
// minimal skill answering with speech, so the figure is alexa-link's own cost). Each count runs in
// its own process; "memory flat" means the 10,000 run peaks no higher than ~1.5x the 1,000 run, and
// the 40,000 run no higher than 1.2x the 10,000 run (no growth with the count once V8 has sized its heap).
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { run, type Figure } from './lib.js';

const CHILD = fileURLToPath(new URL('./replay-child.js', import.meta.url));
const ANSWER = JSON.stringify({
  version: '1.0',
  response: { outputSpeech: { type: 'SSML', ssml: '<speak>Hello, Ada Lovelace! Your account is linked.</speak>' }, shouldEndSession: true },
});

interface Throughput {
  count: number;
  ms: number;
  perSecond: number;
  counts: Record<string, number>;
  peakRssBytes: number;
}

export async function benchReplay(): Promise<Figure[]> {
  const server = http.createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(ANSWER);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
  try {
    const measure = async (count: number): Promise<Throughput> => {
      const { stdout } = await run(process.execPath, [CHILD, url, String(count), '16']);
      const r = JSON.parse(stdout.trim().split('\n').pop() ?? '{}') as Throughput;
      if (r.count !== count || r.counts.pass !== count) throw new Error(`replay bench: expected ${count} passes, got ${JSON.stringify(r.counts)}`);
      return r;
    };
    await measure(200); // warm-up
    const small = await measure(1000);
    const large = await measure(10000);
    // Past 10,000 the peak should stop growing: V8 sizes its heap lazily, so the 1,000 run is low.
    const larger = await measure(40000);
    const mb = (b: number) => b / 1e6;
    return [
      { name: 'replay 1,000 envelopes (local endpoint)', unit: '/s', median: small.perSecond, goal: '>= 1,000 /s', met: small.perSecond >= 1000, note: `${small.ms} ms in all` },
      { name: 'replay 10,000 envelopes (local endpoint)', unit: '/s', median: large.perSecond, goal: '>= 1,000 /s', met: large.perSecond >= 1000, note: `${large.ms} ms in all` },
      { name: 'peak memory, 1,000 envelopes', unit: 'MB', median: mb(small.peakRssBytes) },
      {
        name: 'peak memory, 10,000 envelopes',
        unit: 'MB',
        median: mb(large.peakRssBytes),
        ratio: large.peakRssBytes / small.peakRssBytes,
        goal: 'flat (< 1.5x the 1,000 run)',
        met: large.peakRssBytes / small.peakRssBytes < 1.5,
      },
      {
        name: 'peak memory, 40,000 envelopes',
        unit: 'MB',
        median: mb(larger.peakRssBytes),
        ratio: larger.peakRssBytes / large.peakRssBytes,
        goal: 'flat (< 1.2x the 10,000 run)',
        met: larger.peakRssBytes / large.peakRssBytes < 1.2,
      },
    ];
  } finally {
    server.close();
  }
}
