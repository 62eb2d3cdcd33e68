//! Background tasks through `ctx.waitUntil`.

use std::rc::Rc;

use ports::Background;
use ports::background::Task;

/// Keeps the invocation alive until each task finishes (`ctx.waitUntil`).
pub struct WaitUntil {
    invocation: Invocation,
}

/// The event whose lifetime background tasks extend.
enum Invocation {
    Fetch(Rc<worker::Context>),
    Scheduled(Rc<worker::ScheduleContext>),
}

impl WaitUntil {
    /// Tasks extend a `fetch` event's invocation.
    pub fn new(context: Rc<worker::Context>) -> Self {
        Self { invocation: Invocation::Fetch(context) }
    }

    /// Tasks extend a Cron Trigger's invocation.
    pub fn scheduled(context: Rc<worker::ScheduleContext>) -> Self {
        Self { invocation: Invocation::Scheduled(context) }
    }
}

impl Background for WaitUntil {
    fn spawn(&self, task: Task) {
        match &self.invocation {
            Invocation::Fetch(context) => context.wait_until(task),
            Invocation::Scheduled(context) => context.wait_until(task),
        }
    }
}
