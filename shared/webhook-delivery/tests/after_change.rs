//! Where the work after a write goes: onto the queue when the runtime has one, otherwise into
//! this instance's background (the functions' tests cover what that run then delivers).

use std::cell::RefCell;
use std::rc::Rc;

use adapter_native::TestPlatform;
use async_trait::async_trait;
use web::ports::{Jobs, PortError};

#[derive(Default)]
struct RecordingQueue(RefCell<Vec<String>>);

#[async_trait(?Send)]
impl Jobs for RecordingQueue {
    async fn enqueue(&self, job: &str) -> Result<(), PortError> {
        self.0.borrow_mut().push(job.to_owned());
        Ok(())
    }
}

#[tokio::test]
async fn with_a_queue_the_write_queues_one_delivery_run_and_runs_nothing_itself() {
    let test = TestPlatform::new().await;
    let queue = Rc::new(RecordingQueue::default());
    let mut platform = test.platform();
    platform.jobs = queue.clone();
    webhook_delivery::after_change(&platform);
    assert!(queue.0.borrow().is_empty(), "nothing before the response");
    test.background.run_all().await;
    assert_eq!(*queue.0.borrow(), [webhook_delivery::JOB]);
    assert_eq!(test.http.sent_count(), 0);
}
