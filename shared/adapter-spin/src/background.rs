//! Background tasks as spawned component-model tasks.

use ports::Background;
use ports::background::Task;

/// Spawns tasks on the component's async executor; they run beside the response stream.
#[derive(Debug, Default, Clone, Copy)]
pub struct SpawnedTasks;

impl Background for SpawnedTasks {
    fn spawn(&self, task: Task) {
        spin_sdk::wasip3::spawn(task);
    }
}
