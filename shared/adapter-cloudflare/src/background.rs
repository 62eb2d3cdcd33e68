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
    /// A Durable Object's own work (its alarms): tasks run on the event loop.
    Detached,
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

    /// Tasks run on the event loop (a Durable Object stays alive while it works).
    pub fn detached() -> Self {
        Self { invocation: Invocation::Detached }
    }
}

impl Background for WaitUntil {
    fn spawn(&self, task: Task) {
        match &self.invocation {
            Invocation::Fetch(context) => context.wait_until(task),
            Invocation::Scheduled(context) => context.wait_until(task),
            Invocation::Detached => wasm_bindgen_futures::spawn_local(task),
        }
    }
}
