//! A handle opened on first use and then reused for the rest of the request.

use std::cell::RefCell;
use std::future::Future;
use std::rc::Rc;

/// Holds a lazily opened host resource (a database connection, a store).
pub(crate) struct Lazy<T> {
    cell: RefCell<Option<Rc<T>>>,
}

impl<T> Lazy<T> {
    pub(crate) fn new() -> Self {
        Self { cell: RefCell::new(None) }
    }

    /// Forgets the resource: the next [`Lazy::get_or_open`] opens a new one.
    pub(crate) fn clear(&self) {
        *self.cell.borrow_mut() = None;
    }

    /// The resource, opening it with `open` the first time. A failed open is retried next call.
    pub(crate) async fn get_or_open<E, F>(&self, open: impl FnOnce() -> F) -> Result<Rc<T>, E>
    where
        F: Future<Output = Result<T, E>>,
    {
        if let Some(value) = self.cell.borrow().as_ref() {
            return Ok(Rc::clone(value));
        }
        let value = Rc::new(open().await?);
        *self.cell.borrow_mut() = Some(Rc::clone(&value));
        Ok(value)
    }
}
