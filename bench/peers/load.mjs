// Loads one GraphQL server with autocannon: node load.mjs JOB.json
// The job is {url, headers, bodies: [JSON strings], connections, duration, warmup} (seconds); each request
// takes the next body, so the server sees varied variables. Prints one JSON line of the measured run.
import { readFileSync } from "node:fs";

import autocannon from "autocannon";

const job = JSON.parse(readFileSync(process.argv[2], "utf8"));
let next = 0;

function run(duration) {
  return autocannon({
    url: job.url,
    method: "POST",
    connections: job.connections,
    duration,
    headers: { "content-type": "application/json", ...job.headers },
    requests: [{ setupRequest: (request) => ({ ...request, body: job.bodies[next++ % job.bodies.length] }) }],
    // A 200 that carries GraphQL errors counts as a mismatch: its speed would measure the wrong thing.
    verifyBody: (body) => !/"errors"\s*:/.test(body),
  });
}

if (job.warmup > 0) await run(job.warmup);
const result = await run(job.duration);
console.log(
  JSON.stringify({
    requests_per_second: result.requests.mean,
    p50_ms: result.latency.p50,
    p99_ms: result.latency.p99,
    non2xx: result.non2xx,
    errors: result.errors,
    timeouts: result.timeouts,
    graphql_errors: result.mismatches,
    total: result.requests.total,
  }),
);
