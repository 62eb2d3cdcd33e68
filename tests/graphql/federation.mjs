// Federation check for the contract suite: composes our subgraph (its `_service { sdl }`) with a
// tiny stand-in subgraph that extends Product with `rating`, using @apollo/composition, serves the
// supergraph through a real @apollo/gateway on @apollo/server, and runs one query that needs both
// subgraphs. Prints one JSON line: {"answer": {...}} or {"compositionErrors": [...]}.
// Usage: node federation.mjs <our /graphql URL>
import { ApolloServer } from "@apollo/server";
import { startStandaloneServer } from "@apollo/server/standalone";
import { buildSubgraphSchema } from "@apollo/subgraph";
import { ApolloGateway } from "@apollo/gateway";
import { composeServices } from "@apollo/composition";
import { parse } from "graphql";

const [ours] = process.argv.slice(2);
const print = (value) => process.stdout.write(JSON.stringify(value) + "\n");
const post = async (url, query) => {
  const response = await fetch(url, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ query }),
  });
  return response.json();
};

const ourSdl = (await post(ours, "{ _service { sdl } }")).data._service.sdl;

// The stand-in: every product's rating is derived from its id, so the suite can check it.
const reviewsTypeDefs = parse(`
  extend schema @link(url: "https://specs.apollo.dev/federation/v2.5", import: ["@key"])
  type Product @key(fields: "id") {
    id: ID!
    "1-5, from the id's length (a stand-in for a reviews service)."
    rating: Int!
  }
`);
const rating = (id) => (id.length % 5) + 1;
const reviews = new ApolloServer({
  schema: buildSubgraphSchema([
    { typeDefs: reviewsTypeDefs, resolvers: { Product: { __resolveReference: (ref) => ({ id: ref.id, rating: rating(ref.id) }) } } },
  ]),
});
const { url: reviewsUrl } = await startStandaloneServer(reviews, { listen: { host: "127.0.0.1", port: 0 } });

const composed = composeServices([
  { name: "orderflow", typeDefs: parse(ourSdl), url: ours },
  { name: "reviews", typeDefs: reviewsTypeDefs, url: reviewsUrl },
]);
if (composed.errors) {
  print({ compositionErrors: composed.errors.map(String) });
  process.exit(0);
}

const gateway = new ApolloServer({ gateway: new ApolloGateway({ supergraphSdl: composed.supergraphSdl }) });
const { url } = await startStandaloneServer(gateway, { listen: { host: "127.0.0.1", port: 0 } });
const answer = await post(url, "{ products(first: 5) { edges { node { id sku rating } } } }");
print({ answer, expectedRating: Object.fromEntries((answer.data?.products?.edges ?? []).map((e) => [e.node.id, rating(e.node.id)])) });
process.exit(0);
