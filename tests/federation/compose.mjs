#!/usr/bin/env node
// Compose subgraph SDL files into a Federation 2 supergraph, offline.
//
//   node compose.mjs name1=path1.graphql name2=path2.graphql ...
//
// Prints ONE JSON object on stdout:
//   {"ok": bool,
//    "errors": [{"code", "message"}],
//    "hints":  [{"code", "message"}],
//    "supergraphSdl": string|null,
//    "apiSchemaSdl":  string|null}   (what clients of the supergraph see)
// Exit code: 0 composed, 1 composition failed (or an SDL did not parse),
// 2 usage error (bad arguments, unreadable file).
import { readFileSync } from "node:fs";
import { composeServices } from "@apollo/composition";
import { parse, printSchema } from "graphql";

function usage(message) {
  process.stderr.write(
    `compose.mjs: ${message}\n` +
      "usage: node compose.mjs name1=path1.graphql name2=path2.graphql ...\n",
  );
  process.exit(2);
}

function emit(result, code) {
  process.stdout.write(JSON.stringify(result) + "\n", () => process.exit(code));
}

const args = process.argv.slice(2);
if (args.length === 0) usage("no subgraphs given");

const services = [];
const seen = new Set();
for (const arg of args) {
  const eq = arg.indexOf("=");
  if (eq <= 0 || eq === arg.length - 1) usage(`expected name=path, got ${JSON.stringify(arg)}`);
  const name = arg.slice(0, eq);
  const path = arg.slice(eq + 1);
  if (!/^[A-Za-z_][A-Za-z0-9_-]*$/.test(name)) usage(`bad subgraph name ${JSON.stringify(name)}`);
  if (seen.has(name)) usage(`subgraph ${JSON.stringify(name)} given twice`);
  seen.add(name);
  let sdl;
  try {
    sdl = readFileSync(path, "utf8");
  } catch (err) {
    usage(`cannot read ${path}: ${err.message}`);
  }
  services.push({ name, path, sdl });
}

const fail = (errors) =>
  emit({ ok: false, errors, hints: [], supergraphSdl: null, apiSchemaSdl: null }, 1);

// Parse first, so that a syntax error names its file rather than crashing.
const parseErrors = [];
const definitions = [];
for (const { name, path, sdl } of services) {
  try {
    definitions.push({ name, url: `http://${name}.invalid/graphql`, typeDefs: parse(sdl) });
  } catch (err) {
    parseErrors.push({ code: "INVALID_GRAPHQL", message: `[${name}] ${path}: ${err.message}` });
  }
}
if (parseErrors.length > 0) {
  fail(parseErrors);
} else {
  let result;
  try {
    result = composeServices(definitions);
  } catch (err) {
    result = { errors: [err] };
  }
  const hints = (result.hints ?? []).map((h) => ({
    code: h.definition?.code ?? null,
    message: h.message,
  }));
  if (result.errors && result.errors.length > 0) {
    fail(
      result.errors.map((e) => ({
        code: e.extensions?.code ?? null,
        message: e.message ?? String(e),
      })),
    );
  } else {
    let apiSchemaSdl;
    try {
      apiSchemaSdl = printSchema(result.schema.toAPISchema().toGraphQLJSSchema());
    } catch (err) {
      fail([{ code: "API_SCHEMA_FAILED", message: err.message ?? String(err) }]);
    }
    if (apiSchemaSdl !== undefined) {
      emit(
        { ok: true, errors: [], hints, supergraphSdl: result.supergraphSdl, apiSchemaSdl },
        0,
      );
    }
  }
}
