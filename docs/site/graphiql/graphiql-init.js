// GraphiQL for the OrderFlow graph, served by the API itself (no CDN): React 18 and GraphiQL 3
// from the pinned npm packages. Paste a bearer token into the Headers tab
// ({"authorization": "Bearer …"}) to query your orders.
window.addEventListener("load", function () {
  var fetcher = GraphiQL.createFetcher({ url: window.location.origin + "/graphql" });
  var root = ReactDOM.createRoot(document.getElementById("graphiql"));
  root.render(React.createElement(GraphiQL, { fetcher: fetcher, defaultEditorToolsVisibility: true }));
});
