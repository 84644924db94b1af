#!/usr/bin/env node
// Apollo Gateway over the two subgraphs "cip" and "portal".
//
//   node gateway.mjs --port N --cip URL --portal URL [--router-secret S]
//
// Fetches each subgraph's SDL (`_service { sdl }`) once at startup
// (IntrospectAndCompose, no polling), composes them, and serves the supergraph
// on http://127.0.0.1:N/. Prints exactly one line "ready http://127.0.0.1:N/"
// on stdout once listening (--port 0 picks a free port; the line gives the
// real one). If a subgraph cannot be reached or composition fails it prints
// the reason on stderr and exits 1. Stops cleanly on SIGTERM / SIGINT.
//
// Every request to a subgraph carries:
//   - the incoming request's `authorization` header, if it had one;
//   - `x-cip-router-secret: S` when --router-secret is given (also on the
//     startup `_service { sdl }` requests).
//
// Federated tracing: every operation asks the subgraphs for an inline trace
// (the gateway sends `apollo-federation-include-trace: ftv1`), and the
// response gets `extensions.subgraphTraces`, one entry per subgraph fetch in
// query-plan order:
//   { service, hasTrace, traceParsingFailed, durationNs,
//     rootFields,  // response names of the trace root's children
//     fields,      // every response name in the trace, depth first, unique
//     paths,       // every field path, e.g. "_entities.[].title" (list indexes as "[]")
//     errors }     // number of errors recorded in the trace
// hasTrace is true only when the subgraph answered with an ftv1 trace that
// decoded; then durationNs is the trace's own duration, otherwise 0.
import { parseArgs } from "node:util";
import { ApolloServer } from "@apollo/server";
import { ApolloGateway, IntrospectAndCompose, RemoteGraphQLDataSource } from "@apollo/gateway";
import { die as dieWith, serve, stderrLogger } from "./serving.mjs";

// GraphQLDataSourceRequestKind.INCOMING_OPERATION. The enum is in
// @apollo/gateway's typings but not among its runtime exports; the other kinds
// ("health check", "loading schema") have no incoming request.
const INCOMING_OPERATION = "incoming operation";

const die = (message, code = 2) => dieWith("gateway.mjs", message, code);

const USAGE = "usage: node gateway.mjs --port N --cip URL --portal URL [--router-secret S]";
let values;
try {
  ({ values } = parseArgs({
    options: {
      port: { type: "string" },
      cip: { type: "string" },
      portal: { type: "string" },
      "router-secret": { type: "string" },
    },
    strict: true,
    allowPositionals: false,
  }));
} catch (err) {
  die(`${err.message}\n${USAGE}`);
}
if (values.port === undefined || !/^\d+$/.test(values.port) || Number(values.port) > 65535) {
  die(`--port N (0-65535) is required\n${USAGE}`);
}
for (const name of ["cip", "portal"]) {
  const url = values[name];
  if (url === undefined) die(`--${name} URL is required\n${USAGE}`);
  try {
    if (!/^https?:$/.test(new URL(url).protocol)) throw new Error("not http(s)");
  } catch {
    die(`--${name}: not an http(s) URL: ${JSON.stringify(url)}`);
  }
}
const port = Number(values.port);
const routerSecret = values["router-secret"];

const logger = stderrLogger("gateway.mjs");

class CipDataSource extends RemoteGraphQLDataSource {
  willSendRequest(options) {
    const headers = options.request.http.headers;
    if (options.kind === INCOMING_OPERATION) {
      const authorization = options.incomingRequestContext.request.http?.headers.get("authorization");
      if (authorization) headers.set("authorization", authorization);
    }
    if (routerSecret !== undefined) headers.set("x-cip-router-secret", routerSecret);
  }
}

// ---- federated-trace summary -------------------------------------------

function collectFetchNodes(planNode, out) {
  if (!planNode) return out;
  if (planNode.fetch) out.push(planNode.fetch);
  for (const child of planNode.sequence?.nodes ?? []) collectFetchNodes(child, out);
  for (const child of planNode.parallel?.nodes ?? []) collectFetchNodes(child, out);
  if (planNode.flatten) collectFetchNodes(planNode.flatten.node, out);
  if (planNode.condition) {
    collectFetchNodes(planNode.condition.ifClause, out);
    collectFetchNodes(planNode.condition.elseClause, out);
  }
  if (planNode.defer) {
    collectFetchNodes(planNode.defer.primary?.node, out);
    for (const d of planNode.defer.deferred ?? []) collectFetchNodes(d.node, out);
  }
  return out;
}

function summariseTrace(trace) {
  const fields = [];
  const paths = [];
  const seenFields = new Set();
  const seenPaths = new Set();
  let errors = 0;
  const walk = (node, prefix) => {
    errors += node.error?.length ?? 0;
    for (const child of node.child ?? []) {
      let path;
      if (child.responseName) {
        path = prefix ? `${prefix}.${child.responseName}` : child.responseName;
        if (!seenFields.has(child.responseName)) {
          seenFields.add(child.responseName);
          fields.push(child.responseName);
        }
        if (!seenPaths.has(path)) {
          seenPaths.add(path);
          paths.push(path);
        }
      } else {
        path = prefix ? `${prefix}.[]` : "[]"; // a list index
      }
      walk(child, path);
    }
  };
  const root = trace.root;
  if (root) walk(root, "");
  return {
    durationNs: Number(trace.durationNs ?? 0),
    rootFields: (root?.child ?? []).map((c) => c.responseName).filter(Boolean),
    fields,
    paths,
    errors,
  };
}

function subgraphTraces(queryPlanTrace) {
  return collectFetchNodes(queryPlanTrace, []).map((fetch) => {
    const hasTrace = !!fetch.trace;
    const summary = hasTrace
      ? summariseTrace(fetch.trace)
      : { durationNs: 0, rootFields: [], fields: [], paths: [], errors: 0 };
    return {
      service: fetch.serviceName,
      hasTrace,
      traceParsingFailed: !!fetch.traceParsingFailed,
      ...summary,
    };
  });
}

const federatedTracePlugin = {
  async requestDidStart(requestContext) {
    // Makes @apollo/gateway send `apollo-federation-include-trace: ftv1` and
    // keep what came back in requestContext.metrics.queryPlanTrace.
    requestContext.metrics.captureTraces = true;
    return {
      async willSendResponse(ctx) {
        const body = ctx.response.body;
        if (body.kind !== "single") return;
        const result = body.singleResult;
        result.extensions = {
          ...(result.extensions ?? {}),
          subgraphTraces: subgraphTraces(ctx.metrics.queryPlanTrace),
        };
      },
    };
  },
};

// ---- startup ----------------------------------------------------------------

const gateway = new ApolloGateway({
  logger,
  supergraphSdl: new IntrospectAndCompose({
    subgraphs: [
      { name: "cip", url: values.cip },
      { name: "portal", url: values.portal },
    ],
    logger,
  }),
  buildService: ({ url }) => new CipDataSource({ url }),
});

const server = new ApolloServer({
  gateway,
  logger,
  plugins: [federatedTracePlugin],
  includeStacktraceInErrorResponses: false, // as a production router would answer
  stopOnTerminationSignals: false, // serve() handles them, so that the exit code is 0
});

await serve("gateway.mjs", server, port);
