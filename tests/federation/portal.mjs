#!/usr/bin/env node
// Example "Civic Coding portal" subgraph (schema: portal.graphql).
//
//   node portal.mjs --port N --highlights '[{"headline":"h","ideaId":"SWRlYToz","curatorId":"UHJvZmlsZTox"}]'
//
// Serves GraphQL on http://127.0.0.1:N/ and prints exactly one line
// "ready http://127.0.0.1:N/" on stdout once listening (--port 0 picks a free
// port; the line gives the real one). Stops cleanly on SIGTERM / SIGINT.
//
// Data: Query.highlights returns the given list, each resolving to
//   { headline, idea: {__typename: "Idea", id: ideaId}, curator: {__typename: "Profile", id: curatorId} }
// (ideaId / curatorId may be null or left out: the field is then null).
// Idea.featuredInPortal is true iff the idea's id is one of the highlights' ideaIds.
// Profile.portalBadges is ["civic-coder"], plus "curator" when the profile's
// id is one of the highlights' curatorIds.
import { readFileSync } from "node:fs";
import { parseArgs } from "node:util";
import { ApolloServer } from "@apollo/server";
import { ApolloServerPluginInlineTrace } from "@apollo/server/plugin/inlineTrace";
import { buildSubgraphSchema } from "@apollo/subgraph";
import { parse } from "graphql";
import { die as dieWith, serve, stderrLogger } from "./serving.mjs";

const die = (message, code = 2) => dieWith("portal.mjs", message, code);

let values;
try {
  ({ values } = parseArgs({
    options: {
      port: { type: "string" },
      highlights: { type: "string", default: "[]" },
    },
    strict: true,
    allowPositionals: false,
  }));
} catch (err) {
  die(`${err.message}\nusage: node portal.mjs --port N [--highlights JSON]`);
}
if (values.port === undefined || !/^\d+$/.test(values.port) || Number(values.port) > 65535) {
  die("--port N (0-65535) is required");
}
const port = Number(values.port);

let highlights;
try {
  highlights = JSON.parse(values.highlights);
} catch (err) {
  die(`--highlights is not valid JSON: ${err.message}`);
}
if (!Array.isArray(highlights)) die("--highlights must be a JSON list");
for (const [i, h] of highlights.entries()) {
  if (h === null || typeof h !== "object" || typeof h.headline !== "string") {
    die(`--highlights[${i}] must be an object with a string "headline"`);
  }
  for (const key of ["ideaId", "curatorId"]) {
    if (h[key] !== undefined && h[key] !== null && typeof h[key] !== "string") {
      die(`--highlights[${i}].${key} must be a string or null`);
    }
  }
}

const featuredIdeaIds = new Set(highlights.map((h) => h.ideaId).filter((id) => id != null));
const curatorIds = new Set(highlights.map((h) => h.curatorId).filter((id) => id != null));

function badgesFor(profileId) {
  const badges = ["civic-coder"];
  if (curatorIds.has(profileId)) badges.push("curator");
  return badges;
}

const resolvers = {
  Query: {
    highlights: () =>
      highlights.map((h) => ({
        headline: h.headline,
        idea: h.ideaId != null ? { __typename: "Idea", id: h.ideaId } : null,
        curator: h.curatorId != null ? { __typename: "Profile", id: h.curatorId } : null,
      })),
  },
  Profile: {
    __resolveReference: (ref) => ({ __typename: "Profile", id: ref.id }),
    portalBadges: (profile) => badgesFor(profile.id),
  },
  Idea: {
    __resolveReference: (ref) => ({ __typename: "Idea", id: ref.id }),
    featuredInPortal: (idea) => featuredIdeaIds.has(idea.id),
  },
};

const typeDefs = parse(readFileSync(new URL("./portal.graphql", import.meta.url), "utf8"));
const logger = stderrLogger("portal.mjs");
const server = new ApolloServer({
  schema: buildSubgraphSchema([{ typeDefs, resolvers }]),
  logger,
  // Answer the gateway's "apollo-federation-include-trace: ftv1" with an
  // inline trace (Apollo Server would enable this for a subgraph anyway, but
  // would log about it).
  plugins: [ApolloServerPluginInlineTrace()],
  stopOnTerminationSignals: false, // serve() handles them, so that the exit code is 0
});

await serve("portal.mjs", server, port);
