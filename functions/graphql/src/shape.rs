//! Limits on a query's shape that async-graphql does not check itself: how many aliases it
//! uses (each alias can run a field again), how many root fields it asks for, and whether it
//! introspects the schema (async-graphql answers a disabled introspection with `null`, not an
//! error).

use std::collections::HashSet;

use async_graphql::parser::types::{ExecutableDocument, Selection, SelectionSet};

/// What a query's text holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Shape {
    /// Fields selected under an alias, anywhere in the document.
    pub aliases: usize,
    /// Fields at the root of the largest operation (fragments at the root expanded).
    pub root_fields: usize,
    /// Whether it selects `__schema` or `__type` (`__typename` is not introspection).
    pub introspects: bool,
}

impl Shape {
    /// The shape of `document`.
    pub fn of(document: &ExecutableDocument) -> Self {
        let sets = document
            .operations
            .iter()
            .map(|(_, operation)| &operation.node.selection_set.node)
            .chain(document.fragments.values().map(|fragment| &fragment.node.selection_set.node));
        let (mut aliases, mut introspects) = (0, false);
        for set in sets {
            aliases += count_aliases(set);
            introspects |= introspects_in(set);
        }
        let root_fields = document
            .operations
            .iter()
            .map(|(_, operation)| root_fields(document, &operation.node.selection_set.node, &mut HashSet::new()))
            .max()
            .unwrap_or(0);
        Self { aliases, root_fields, introspects }
    }
}

fn count_aliases(set: &SelectionSet) -> usize {
    set.items
        .iter()
        .map(|item| match &item.node {
            Selection::Field(field) => {
                usize::from(field.node.alias.is_some()) + count_aliases(&field.node.selection_set.node)
            }
            Selection::InlineFragment(fragment) => count_aliases(&fragment.node.selection_set.node),
            Selection::FragmentSpread(_) => 0,
        })
        .sum()
}

fn introspects_in(set: &SelectionSet) -> bool {
    set.items.iter().any(|item| match &item.node {
        Selection::Field(field) => {
            matches!(field.node.name.node.as_str(), "__schema" | "__type")
                || introspects_in(&field.node.selection_set.node)
        }
        Selection::InlineFragment(fragment) => introspects_in(&fragment.node.selection_set.node),
        Selection::FragmentSpread(_) => false,
    })
}

/// Root fields, following fragment spreads once each (a cycle is a validation error later).
fn root_fields<'d>(document: &'d ExecutableDocument, set: &'d SelectionSet, seen: &mut HashSet<&'d str>) -> usize {
    set.items
        .iter()
        .map(|item| match &item.node {
            Selection::Field(_) => 1,
            Selection::InlineFragment(fragment) => root_fields(document, &fragment.node.selection_set.node, seen),
            Selection::FragmentSpread(spread) => {
                let name = spread.node.fragment_name.node.as_str();
                match document.fragments.get(name) {
                    Some(fragment) if seen.insert(name) => {
                        root_fields(document, &fragment.node.selection_set.node, seen)
                    }
                    _ => 0,
                }
            }
        })
        .sum()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn shape(query: &str) -> Shape {
        Shape::of(&async_graphql::parser::parse_query(query).unwrap())
    }

    #[test]
    fn counts_aliases_and_root_fields_through_fragments() {
        assert_eq!(shape("{ me { id } }"), Shape { aliases: 0, root_fields: 1, introspects: false });
        assert_eq!(
            shape("{ a: me { id } b: me { x: id } products { edges { cursor } } }"),
            Shape { aliases: 3, root_fields: 3, introspects: false }
        );
        let fragments = "query { ...F ... on Query { me { id } } } fragment F on Query { p: products { edges { cursor } } q: me { id } }";
        assert_eq!(shape(fragments), Shape { aliases: 2, root_fields: 3, introspects: false });
        assert_eq!(shape("query { ...F } fragment F on Query { ...F me { id } }").root_fields, 1, "cycles end");
    }

    #[test]
    fn finds_introspection_anywhere_but_typename_is_not_it() {
        assert!(shape("{ __schema { types { name } } }").introspects);
        assert!(shape("{ ...F } fragment F on Query { t: __type(name: \"Order\") { name } }").introspects);
        assert!(shape("{ ... on Query { __schema { queryType { name } } } }").introspects);
        assert!(!shape("{ me { __typename id } __typename }").introspects);
    }
}
