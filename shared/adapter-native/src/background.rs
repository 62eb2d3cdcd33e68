//! Background tasks queued for the test to run when it chooses.

use std::cell::RefCell;

use ports::Background;
use ports::background::Task;

/// Keeps spawned tasks until [`QueuedBackground::run_all`], so tests control when "later" is.
#[derive(Default)]
pub struct QueuedBackground {
    tasks: RefCell<Vec<Task>>,
}

impl QueuedBackground {
    /// Tasks waiting.
    pub fn pending(&self) -> usize {
        self.tasks.borrow().len()
    }

    /// Runs every queued task (and any they queue) to completion.
    pub async fn run_all(&self) {
        loop {
            let tasks: Vec<Task> = self.tasks.borrow_mut().drain(..).collect();
            if tasks.is_empty() {
                return;
            }
            for task in tasks {
                task.await;
            }
        }
    }
}

impl Background for QueuedBackground {
    fn spawn(&self, task: Task) {
        self.tasks.borrow_mut().push(task);
    }
}
