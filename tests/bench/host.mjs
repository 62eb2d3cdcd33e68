// Serves Workers for the benchmark under Miniflare, reached through its *direct* sockets:
// straight into workerd, bypassing the dev proxy `wrangler dev` puts in front (which dominates
// latency under load). D1, KV and Durable Objects are Miniflare's own, in memory: every run
// starts from an empty database.
//
//   node tests/bench/host.mjs options.json     (tests/bench writes the file and runs this)
//
// options.json: compatibilityDate; sql: statement lists, each run as one D1 batch before
// serving (the migrations, then any bulk data); workers: [{ name, dir, bindings, d1, kv,
// durableObjects }], all sharing one D1 database. Each Worker's module is wrapped so that its
// D1 binding counts statements and round trips (GET /__bench/d1 answers the counts and resets
// them). Prints one JSON line {urls: {name: url}, workerd: pid} once serving, then serves until
// stdin closes.
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { execFileSync } from "node:child_process";
import { Miniflare, convertV4MiniflareOptions } from "miniflare";

const options = JSON.parse(readFileSync(process.argv[2], "utf8"));
const D1_ID = "00000000-0000-4000-8000-000000000000";

// The wrapper: counts what the Worker asks of D1, and answers the counters' endpoint.
const wrapper = (exports) => `
import Entry${exports.length ? `, { ${exports.join(", ")} }` : ""} from "./index.js";
${exports.length ? `export { ${exports.join(", ")} };` : ""}
const counts = { statements: 0, round_trips: 0 };
function statement(real) {
  return new Proxy(real, {
    get(target, prop) {
      if (prop === "__real") return target;
      if (prop === "bind") return (...args) => statement(target.bind(...args));
      if (["all", "first", "run", "raw"].includes(prop)) {
        return (...args) => { counts.statements++; counts.round_trips++; return target[prop](...args); };
      }
      const value = Reflect.get(target, prop);
      // Methods run on the real object; the constructor stays as it is (workers-rs checks its name).
      return typeof value === "function" && prop !== "constructor" ? value.bind(target) : value;
    },
  });
}
function database(real) {
  return new Proxy(real, {
    get(target, prop) {
      if (prop === "prepare") return (sql) => statement(target.prepare(sql));
      if (prop === "batch") {
        return (statements) => {
          counts.statements += statements.length;
          counts.round_trips++;
          return target.batch(statements.map((s) => s.__real ?? s));
        };
      }
      if (prop === "exec") return (sql) => { counts.round_trips++; counts.statements++; return target.exec(sql); };
      const value = Reflect.get(target, prop);
      // Methods run on the real object; the constructor stays as it is (workers-rs checks its name).
      return typeof value === "function" && prop !== "constructor" ? value.bind(target) : value;
    },
  });
}
export default {
  async fetch(request, env, ctx) {
    if (new URL(request.url).pathname === "/__bench/d1") {
      const answer = Response.json(counts);
      counts.statements = 0;
      counts.round_trips = 0;
      return answer;
    }
    const wrapped = env.DB ? { ...env, DB: database(env.DB) } : env;
    const entry = typeof Entry === "function" ? new Entry(ctx, wrapped) : Entry;
    return entry.fetch(request, wrapped, ctx);
  },
};
`;

const workers = options.workers.map((worker) => {
  const exportsOf = (worker.durableObjects ? ["RateCounter"] : []);
  const wrapperPath = join(worker.dir, "bench-entry.mjs");
  writeFileSync(wrapperPath, wrapper(exportsOf));
  const config = {
    name: worker.name,
    // The first module is the entry point.
    modulesRoot: worker.dir,
    modules: [
      { type: "ESModule", path: wrapperPath },
      { type: "ESModule", path: join(worker.dir, "index.js") },
      { type: "CompiledWasm", path: join(worker.dir, "index_bg.wasm") },
    ],
    compatibilityDate: options.compatibilityDate,
    bindings: worker.bindings,
    unsafeDirectSockets: [{ host: "127.0.0.1", port: 0 }],
  };
  if (worker.d1) config.d1Databases = { DB: D1_ID };
  if (worker.kv) config.kvNamespaces = { KV: "00000000000000000000000000000000" };
  if (worker.durableObjects) config.durableObjects = { RATE_LIMITER: "RateCounter" };
  return config;
});

const mf = new Miniflare(convertV4MiniflareOptions({ workers, stripCfConnectingIp: false }));
await mf.ready;
const d1Worker = options.workers.find((w) => w.d1);
if (d1Worker) {
  const { DB } = await mf.getBindings(d1Worker.name);
  for (const batch of options.sql) {
    await DB.batch(batch.map((statement) => DB.prepare(statement)));
  }
}
const urls = {};
for (const worker of options.workers) {
  urls[worker.name] = (await mf.unsafeGetDirectURL(worker.name)).toString().replace(/\/$/, "");
}
// workerd is Miniflare's child: find it for CPU accounting.
let workerd = null;
try {
  const children = execFileSync("ps", ["-o", "pid=,comm=", "--ppid", String(process.pid)]).toString();
  const line = children.split("\n").find((l) => l.includes("workerd"));
  workerd = line ? Number(line.trim().split(/\s+/)[0]) : null;
} catch {}
process.stdout.write(JSON.stringify({ urls, workerd }) + "\n");
process.stdin.resume();
const stop = async () => { await mf.dispose(); process.exit(0); };
process.stdin.on("end", stop);
process.on("SIGTERM", stop);
process.on("SIGINT", stop);
