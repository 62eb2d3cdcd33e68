//! Prints the schema in SDL: `cargo run -q -p graphql --example sdl > docs/schema.graphql`.

fn main() {
    print!("{}", graphql::settings::Limits::default().schema().sdl());
}
