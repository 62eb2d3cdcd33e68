//! Publishing: articles and their comments, the rules every face of the API applies the same.
//!
//! - [`article`]: the article, its status machine and who may see or change it;
//! - [`text`]: slugs, tags and the size limits of what authors write;
//! - [`search`]: full-text queries (SQLite FTS5) built from what readers type, never
//!   interpolated, and highlighted snippets safe to put in HTML;
//! - [`store`]: the SQL, and the operations (create, change, publish, archive, delete, list,
//!   search), each one batch with its audit row;
//! - [`comments`]: comments on published articles;
//! - [`cached`]: published articles and list pages through the shared cache.
//!
//! Operations take the [`web::Request`] (its platform, and its id for audit rows) and the
//! caller's [`identity::Principal`], and answer [`web::Problem`]s whose codes every face shows.

pub mod article;
pub mod cached;
pub mod comments;
pub mod search;
pub mod store;
pub mod text;

pub use article::{Article, Status};
pub use comments::Comment;
