//! The committed SDL (`docs/schema.graphql`) is the schema served.

#[test]
fn docs_schema_graphql_is_the_served_schema() {
    let committed =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../../docs/schema.graphql")).unwrap_or_default();
    let served = graphql::settings::Limits::default().schema().sdl();
    assert!(
        committed == served,
        "docs/schema.graphql is out of date: run `cargo run -q -p graphql --example sdl > docs/schema.graphql` and commit it"
    );
}
