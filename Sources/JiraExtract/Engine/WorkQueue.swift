/// Issues waiting to be fetched, handed to workers in batches. Closing it lets idle workers end.
actor WorkQueue {
    private var items: [Checkpoint.PendingIssue] = []
    private var head = 0
    private var queued: Set<String> = []
    private var closed = false
    private var waiters: [CheckedContinuation<Void, Never>] = []

    /// Adds issues not queued before.
    func push(_ issues: [Checkpoint.PendingIssue]) {
        for issue in issues where queued.insert(issue.key).inserted { items.append(issue) }
        wake()
    }

    /// Puts a batch back for another try.
    func requeue(_ issues: [Checkpoint.PendingIssue]) {
        items.append(contentsOf: issues)
        wake()
    }

    func close() {
        closed = true
        wake()
    }

    private func wake() {
        let w = waiters
        waiters = []
        for c in w { c.resume() }
    }

    /// Up to `size` issues; nil once the queue is closed and empty (or the task is cancelled).
    func next(size: Int) async -> [Checkpoint.PendingIssue]? {
        while head >= items.count {
            if closed || Task.isCancelled { return nil }
            await withCheckedContinuation { waiters.append($0) }
        }
        let end = min(items.count, head + size)
        let batch = Array(items[head..<end])
        head = end
        if head > 4096 && head * 2 > items.count {
            items.removeFirst(head)
            head = 0
        }
        return batch
    }

    var waiting: Int { items.count - head }
}

/// Pause and resume: in-flight work finishes, nothing new starts while paused.
public actor ScanControl {
    private var paused = false
    private var waiters: [CheckedContinuation<Void, Never>] = []
    public init() {}

    public var isPaused: Bool { paused }

    public func setPaused(_ value: Bool) {
        paused = value
        if !value {
            let w = waiters
            waiters = []
            for c in w { c.resume() }
        }
    }

    func waitWhilePaused() async {
        while paused && !Task.isCancelled { await withCheckedContinuation { waiters.append($0) } }
    }
}
