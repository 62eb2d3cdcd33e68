// A GraphQL client for the contract suite: npm `graphql-request` (GraphQLClient), one request
// per stdin line, one answer per stdout line.
//   in:  {"query": "...", "variables": {...}, "token": "<bearer, optional>"}
//   out: {"status": 200, "data": {...}}                       the request ran
//        {"status": 200, "data": ..., "errors": [...]}        GraphQL errors (a ClientError)
//        {"failure": "..."}                                   no GraphQL answer at all
// Usage: node client.mjs <endpoint URL>
import { createInterface } from "node:readline";
import { ClientError, GraphQLClient } from "graphql-request";

const [endpoint] = process.argv.slice(2);
const print = (value) => process.stdout.write(JSON.stringify(value) + "\n");

for await (const line of createInterface({ input: process.stdin })) {
  const { query, variables = {}, token = "" } = JSON.parse(line);
  const client = new GraphQLClient(endpoint, { headers: token ? { authorization: `Bearer ${token}` } : {} });
  try {
    const { data, status } = await client.rawRequest(query, variables);
    print({ status, data });
  } catch (error) {
    if (error instanceof ClientError) {
      const { status, data = null, errors = [] } = error.response;
      print({ status, data, errors });
    } else {
      print({ failure: String(error) });
    }
  }
}
