//! The abuse limits, from configuration, and the schema built with them (once per instance).

use std::cell::RefCell;

use async_graphql::{EmptySubscription, Schema};
use web::Problem;
use web::ports::Config;

use crate::schema::{GraphSchema, Mutation, Query};

/// What one GraphQL request may ask for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Deepest selection nesting (`graphql_max_depth`, default 10).
    pub depth: usize,
    /// Highest complexity: one per field, list fields times their page size
    /// (`graphql_max_complexity`, default 1000).
    pub complexity: usize,
    /// Longest query text in bytes (`graphql_max_query_bytes`, default 16384).
    pub query_bytes: usize,
    /// Most aliased fields in one document (`graphql_max_aliases`, default 30).
    pub aliases: usize,
    /// Most root fields in one operation (`graphql_max_root_fields`, default 20).
    pub root_fields: usize,
    /// Whether `__schema` / `__type` are answered (`graphql_introspection`, default true; turn
    /// it off in production if the schema is not public).
    pub introspection: bool,
}

impl Default for Limits {
    /// The limits when nothing is configured.
    fn default() -> Self {
        Self { depth: 10, complexity: 1000, query_bytes: 16384, aliases: 30, root_fields: 20, introspection: true }
    }
}

impl Limits {
    /// Reads the limits; a malformed value is a deployment error (500 naming it).
    pub async fn load(config: &dyn Config) -> Result<Self, Problem> {
        let defaults = Self::default();
        Ok(Self {
            depth: number(config, "graphql_max_depth", defaults.depth).await?,
            complexity: number(config, "graphql_max_complexity", defaults.complexity).await?,
            query_bytes: number(config, "graphql_max_query_bytes", defaults.query_bytes).await?,
            aliases: number(config, "graphql_max_aliases", defaults.aliases).await?,
            root_fields: number(config, "graphql_max_root_fields", defaults.root_fields).await?,
            introspection: match config.var("graphql_introspection").await?.as_deref().map(str::trim) {
                None => defaults.introspection,
                Some("true") => true,
                Some("false") => false,
                Some(other) => {
                    return Err(Problem::internal(format!("graphql_introspection: `{other}` is not true or false")));
                }
            },
        })
    }

    /// The schema with these limits: built on first use and whenever the limits change.
    pub fn schema(self) -> GraphSchema {
        thread_local! {
            static BUILT: RefCell<Option<(Limits, GraphSchema)>> = const { RefCell::new(None) };
        }
        BUILT.with(|built| {
            if let Some((limits, schema)) = built.borrow().as_ref()
                && *limits == self
            {
                return schema.clone();
            }
            let mut builder = Schema::build(Query::default(), Mutation::default(), EmptySubscription)
                .limit_depth(self.depth)
                .limit_complexity(self.complexity);
            if !self.introspection {
                builder = builder.disable_introspection();
            }
            let schema = builder.finish();
            *built.borrow_mut() = Some((self, schema.clone()));
            schema
        })
    }
}

async fn number(config: &dyn Config, name: &str, default: usize) -> Result<usize, Problem> {
    let Some(text) = config.var(name).await? else { return Ok(default) };
    text.trim()
        .parse::<usize>()
        .ok()
        .filter(|n| *n > 0)
        .ok_or_else(|| Problem::internal(format!("{name}: `{text}` is not a positive whole number")))
}
