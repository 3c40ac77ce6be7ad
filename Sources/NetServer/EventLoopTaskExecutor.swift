// Runs a connection's task on its channel's event loop thread. Without it every command
// hops from the event loop to the cooperative pool and back (twice per round trip); on two
// cores those hops were a third of the SMTP server's time per message. The work done in a
// session between awaits is short (parsing, an SQLite lookup of microseconds); anything slow
// (password hashing, fsync) is handed to other threads by the code that does it.

public import NIOCore

public final class EventLoopTaskExecutor: TaskExecutor, @unchecked Sendable {
    let eventLoop: any EventLoop

    public init(_ eventLoop: any EventLoop) {
        self.eventLoop = eventLoop
    }

    public func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        eventLoop.execute { [self] in
            job.runSynchronously(on: asUnownedTaskExecutor())
        }
    }
}
