// PostGraphile 5 (amber preset, read-only) over the benchmark's database, as a peer to compare with.
// Usage: node postgraphile.mjs DATABASE_URL PORT  (or DATABASE_URL and PORT in the environment).
// Run it with NODE_ENV=production so that unexpected errors are masked, as in a deployment.
import { createServer } from "node:http";

import { postgraphile } from "postgraphile";
import { makePgService } from "postgraphile/adaptors/pg";
import { grafserv } from "postgraphile/grafserv/node";
import { PostGraphileAmberPreset } from "postgraphile/presets/amber";
import { addPgTableOrderBy, orderByAscDesc } from "postgraphile/utils";

const [connectionString = process.env.DATABASE_URL, portText = process.env.PORT] = process.argv.slice(2);
if (!connectionString || !portText) {
  console.error("usage: node postgraphile.mjs DATABASE_URL PORT");
  process.exit(2);
}
const host = "127.0.0.1";
const port = Number(portText);

// cip-graph lists a profile's skills by the skill's name, a column of another table: PostGraphile's
// documented way to order by it is an extra orderBy value.
const SkillNameOrderPlugin = addPgTableOrderBy({ schemaName: "public", tableName: "profile_skill" }, (build) =>
  orderByAscDesc("SKILL_NAME", ($select) => ({
    fragment: build.sql`(select skill.name from public.skill where skill.id = ${$select.alias}.skill_id)`,
    codec: build.dataplanPg.TYPES.text,
  })),
);

const preset = {
  extends: [PostGraphileAmberPreset],
  plugins: [SkillNameOrderPlugin],
  // Amber orders and filters by indexed columns only; team members are listed by their (unindexed) role.
  disablePlugins: ["PgIndexBehaviorsPlugin"],
  pgServices: [makePgService({ connectionString, schemas: ["public"] })],
  // The benchmark only reads; without mutations the schema is what the three queries need.
  schema: { defaultBehavior: "-insert -update -delete" },
  grafserv: { host, port, graphqlPath: "/graphql", graphiql: false, watch: false, websockets: false },
  grafast: { explain: false },
};

const server = createServer();
server.on("error", (error) => {
  console.error(error);
  process.exit(1);
});
const serv = postgraphile(preset).createServ(grafserv);
await serv.addTo(server);
server.listen(port, host, () => console.log(`postgraphile ready at http://${host}:${port}/graphql`));
for (const signal of ["SIGINT", "SIGTERM"]) {
  process.on(signal, () => server.close(() => process.exit(0)));
}
