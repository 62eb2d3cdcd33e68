//! Background tasks through `ctx.waitUntil`.

use std::rc::Rc;

use ports::Background;
use ports::background::Task;

/// Keeps the invocation alive until each task finishes (`ctx.waitUntil`).
pub struct WaitUntil {
    context: Rc<worker::Context>,
}

impl WaitUntil {
    /// Tasks extend `context`'s invocation.
    pub fn new(context: Rc<worker::Context>) -> Self {
        Self { context }
    }
}

impl Background for WaitUntil {
    fn spawn(&self, task: Task) {
        self.context.wait_until(task);
    }
}
