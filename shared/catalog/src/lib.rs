//! Products, as rules: what every face (REST under `/vN/products`, the Protobuf
//! `CatalogService`) calls to read the catalogue, so that each rule exists once.
//!
//! - [`product`]: the model and its v1/v2 representations;
//! - [`reading`]: who sees which products (inactive ones only staff), reads through the
//!   catalogue cache, and list filters and pages.

pub mod product;
pub mod reading;

pub use product::Product;
