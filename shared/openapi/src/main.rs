//! Prints the OpenAPI document: `cargo run -p openapi > docs/openapi.json`.

fn main() {
    print!("{}", openapi::json());
}
