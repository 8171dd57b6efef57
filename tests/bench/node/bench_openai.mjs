// bench_openai.mjs - the official `openai` npm SDK as a peer in
// `make bench`: K streams at once in one Node process (Node's usual way:
// one event loop, K requests in flight), each reading N content chunks
// from build/bench/bench_server.  Prints one RESULT line like
// bench_load.c: CPU (user + system of the whole process, from after a
// warm-up request until every stream has ended), wall time, peak RSS,
// and the peak thread and descriptor counts sampled every 50 ms.
//
//   node bench_openai.mjs K N URL
import { readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { resolve } from 'node:path';

const [k, n, url] = [Number(process.argv[2]), Number(process.argv[3]), process.argv[4]];
// The SDK is installed into the build folder; its path comes from the
// environment (run.sh sets it), so nothing is looked up from this folder.
const require = createRequire(resolve(process.env.BENCH_NODE_MODULES, 'x.js'));
const { default: OpenAI } = await import(require.resolve('openai'));

function sample(peak) {
  const status = readFileSync('/proc/self/status', 'utf8');
  const threads = Number(/Threads:\s+(\d+)/.exec(status)[1]);
  const fds = readdirSync('/proc/self/fd').length - 1;
  peak.threads = Math.max(peak.threads, threads);
  peak.fds = Math.max(peak.fds, fds);
}

const client = new OpenAI({ apiKey: 'sk-bench', baseURL: url, maxRetries: 0, timeout: 600000 });
const peak = { threads: 0, fds: 0 };
const timer = setInterval(() => sample(peak), 50);

async function one() {
  const stream = await client.chat.completions.create({
    model: `bench-${n}`,
    messages: [{ role: 'user', content: 'hi' }],
    stream: true,
    stream_options: { include_usage: true },
  });
  let chunks = 0;
  for await (const chunk of stream) {
    if (chunk.choices.length && chunk.choices[0].delta.content) chunks++;
  }
  return chunks;
}

// One request of 2,000 chunks first, outside the measurement: Node compiles the
// SDK's and undici's code on first use, which would otherwise be counted
// as the cost of the first chunks.  The C clients have nothing like it.
await client.chat.completions.create({ model: 'bench-2000', messages: [{ role: 'user', content: 'hi' }], stream: true })
  .then(async (s) => { for await (const _ of s); });

const c0 = process.cpuUsage();
const w0 = process.hrtime.bigint();
let failures = 0;
const counts = await Promise.all(Array.from({ length: k }, () => one().catch((e) => {
  failures++;
  console.error(`bench_openai: ${e.message}`);
  return 0;
})));
const w1 = process.hrtime.bigint();
const c1 = process.cpuUsage(c0);
clearInterval(timer);
sample(peak);
const chunks = counts.reduce((a, b) => a + b, 0);
const hwm = Number(/VmHWM:\s+(\d+)/.exec(readFileSync('/proc/self/status', 'utf8'))[1]);
console.log(`RESULT chunks=${chunks} failures=${failures} cpu_us=${c1.user + c1.system} ` +
  `wall_us=${Number(w1 - w0) / 1000} hwm_kb=${hwm} threads=${peak.threads} fds=${peak.fds}`);
process.exit(failures || chunks !== k * n ? 1 : 0);
