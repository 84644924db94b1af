#!/usr/bin/env node
// Decode a federated (ftv1) trace.
//
//   printf %s "$FTV1_BASE64" | node decode-trace.mjs
//
// Reads the base64 string a subgraph returns in `extensions.ftv1` on stdin
// (surrounding whitespace is ignored), decodes it as an Apollo `Trace`
// protobuf and prints it as one JSON object on stdout: Trace.toObject with
// 64-bit integers as numbers, enums as their names, bytes as base64 and
// default values left out (e.g. a node's `responseName`, `type`,
// `startTime`/`endTime` in ns since the trace started, its `child` list and
// `error` list). Exit 1 (message on stderr) if the input is empty, is not
// base64, or does not decode.
import { Trace } from "@apollo/usage-reporting-protobuf";

function die(message) {
  process.stderr.write(`decode-trace.mjs: ${message}\n`);
  process.exit(1);
}

const chunks = [];
for await (const chunk of process.stdin) chunks.push(chunk);
const text = Buffer.concat(chunks).toString("utf8").trim();
if (text === "") die("no input: pipe a base64 ftv1 string to stdin");
if (!/^[A-Za-z0-9+/]*={0,2}$/.test(text)) die("input is not base64");

let trace;
try {
  trace = Trace.decode(Buffer.from(text, "base64"));
} catch (err) {
  die(`not a Trace protobuf: ${err.message ?? err}`);
}
const object = Trace.toObject(trace, { longs: Number, enums: String, bytes: String });
process.stdout.write(JSON.stringify(object) + "\n");
