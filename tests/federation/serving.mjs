// What portal.mjs and gateway.mjs share: stdout carries only the "ready URL" line the tests wait
// for, everything else goes to stderr, and SIGTERM/SIGINT stop the server with exit code 0.
import { startStandaloneServer } from "@apollo/server/standalone";

export function die(script, message, code = 2) {
  process.stderr.write(`${script}: ${message}\n`);
  process.exit(code);
}

// Apollo's default logger writes info to stdout; keep stdout for "ready".
export function stderrLogger(script) {
  return {
    debug() {},
    info: (...a) => process.stderr.write(`${script}: ${a.join(" ")}\n`),
    warn: (...a) => process.stderr.write(`${script}: warning: ${a.join(" ")}\n`),
    error: (...a) => process.stderr.write(`${script}: error: ${a.join(" ")}\n`),
  };
}

// The server must be built with stopOnTerminationSignals: false; the signals are handled here.
export async function serve(script, server, port) {
  let url;
  try {
    ({ url } = await startStandaloneServer(server, { listen: { host: "127.0.0.1", port } }));
  } catch (err) {
    die(script, `cannot start: ${err.message ?? err}`, 1);
  }
  const stop = async () => {
    try {
      await server.stop();
    } finally {
      process.exit(0);
    }
  };
  process.once("SIGTERM", stop);
  process.once("SIGINT", stop);
  // startStandaloneServer reports "http://127.0.0.1:PORT/" for this host.
  process.stdout.write(`ready ${url}\n`);
}
