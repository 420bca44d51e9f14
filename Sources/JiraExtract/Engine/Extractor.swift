import Foundation
import JiraResilient
import Synchronization

/// A scan of one project into an output directory: it lists the project's keys (exact total
/// from the first request), fetches them in batches through the page ladder with `concurrency`
/// workers, completes every issue (links, changelog, comments, worklogs) without letting a hub
/// stall the others, writes each record once, and checkpoints so any interruption resumes.
public final class Extractor: Sendable {
    /// The scan's client: operator actions (a single fetch, a re-fetch) go through it too, so
    /// they share its request slots, back-off gate, pacing and outage state.
    public let client: JiraClient
    public let store: OutputStore
    public let events: ScanEventSink
    public let control: ScanControl
    /// The options as the caller gave them; each pass derives its own (`options`).
    public let requested: ScanOptions
    private let pass: Mutex<Pass>
    private let counters: Counters
    /// Issues a batch asks for; learned across passes (`--page-size auto`).
    let pageSizer: PageSizer
    /// Held shared while this extractor lives: `compact` waits for no scan.
    private let lock: DirectoryLock

    /// What one pass runs with.
    struct Pass: Sendable {
        /// The effective options (a continued pass has its watermark as `since`).
        var options: ScanOptions
        /// The checkpoint the pass starts from: the directory's when it was opened, then the
        /// previous pass's.
        var previous: Checkpoint?
        /// Set when this pass continues a finished one as a delta: (watermark, last full scan).
        var continuation: Continuation?
        /// Passes started so far.
        var started = 0
        /// A pass is under way.
        var running = false
        /// Issues earlier passes into the directory wrote as hubs (`OutputStore.hubKeys`),
        /// read when the pass begins: they start at the hub-base rung, alone in their batch.
        var knownHubs: Set<IssueKey> = []
        /// Operator fetches that ended so far; a pass during which the number moved recounts
        /// its counts from the manifest when it ends.
        var operatorWrites = 0
        /// The last pass reached its checkpoint (began or resumed one): the next continues
        /// from the store's; otherwise it runs with the options `init` derived.
        var reachedCheckpoint = false
    }

    struct Continuation: Sendable {
        var since: String
        var lastFullScan: String?
    }

    /// The options of the current (or next) pass.
    public var options: ScanOptions { pass.withLock { $0.options } }
    var previous: Checkpoint? { pass.withLock { $0.previous } }
    var continuation: Continuation? { pass.withLock { $0.continuation } }
    private let eventLog: EventLog?

    /// Requests, retries and bytes of this extractor's client, counted from its events.
    final class Counters: Sendable {
        struct Values { var requests = 0, retries = 0, bytes = 0 }
        let values = Mutex(Values())
        func count(_ event: JiraEvent) {
            values.withLock { c in
                switch event {
                case .requestFinished(_, _, let bytes, _, _): c.requests += 1; c.bytes += bytes
                case .backoff: c.retries += 1
                default: break
                }
            }
        }
    }

    /// Validates the options, opens the output directory and creates the scan's client (no
    /// request is sent yet). The client's events reach `events` as `.client`; with `logEvents`
    /// every event is also appended to `events.jsonl` in the directory, rotated per
    /// `eventRotation`. Call `shutdown()` when
    /// done.
    public init(
        configuration: JiraClientConfiguration, options: ScanOptions, directory: String, events: ScanEventSink,
        control: ScanControl = ScanControl(), logEvents: Bool = false,
        eventRotation: EventLog.Rotation? = .standard
    ) throws(JiraError) {
        _ = try JQL.projectClause(options.project, filter: options.filter)
        guard (1...1000).contains(options.pageSize) else {
            throw JiraError(.invalidInput, "the page size must be 1–1000, got \(options.pageSize)")
        }
        guard options.listingLead >= 0 else {
            throw JiraError(.invalidInput, "the listing lead must be 0 or more, got \(options.listingLead)")
        }
        guard (1...256).contains(options.concurrency) else {
            throw JiraError(.invalidInput, "the concurrency must be 1–256, got \(options.concurrency)")
        }
        self.control = control
        requested = options
        let (store, previous) = try OutputStore.open(directory: directory, project: options.project)
        self.store = store
        guard let lock = DirectoryLock(directory: directory, exclusive: false) else {
            throw JiraError(
                .invalidInput,
                "\(directory) is being written by another command (compact, fetch or refetch); run the scan again once it is done"
            )
        }
        self.lock = lock
        let (effective, continuation) = Self.continuing(options, after: previous)
        pass = Mutex(Pass(options: effective, previous: previous, continuation: continuation))
        eventLog = logEvents ? try EventLog(path: directory + "/events.jsonl", rotation: eventRotation) : nil
        let sink = eventLog.map { $0.sink + events } ?? events
        self.events = sink
        let counters = Counters()
        self.counters = counters
        var configuration = configuration
        configuration.concurrencyLimit =
            options.adaptiveConcurrency ? .adaptive(max: options.concurrency) : .fixed(options.concurrency)
        pageSizer = PageSizer(
            initial: options.pageSize, adaptive: options.adaptivePageSize,
            budget: configuration.effectiveFastFailTimeout)
        configuration.events = EventSink { event in
            counters.count(event)
            sink.send(.client(event))
        }
        do { client = try JiraClient(configuration) } catch {
            if let log = eventLog { Task { await log.close() } }
            throw error
        }
    }

    /// Shuts the client down and drains `events.jsonl`; returns an error when some events could
    /// not be written there (the scan's own files are not affected).
    @discardableResult
    public func shutdown() async -> JiraError? {
        await client.shutdown()
        return await eventLog?.close()
    }

    /// Runs one pass of the scan to its end. Throws `.cancelled` when interrupted (the
    /// checkpoint is saved first), and other errors with the checkpoint saved too, so the same
    /// command resumes. Called again, it runs the next pass through the same client: a delta
    /// from the last finished pass's start (its watermark), or the unfinished pass resumed.
    public func run() async throws(JiraError) -> ScanSummary {
        await preparePass()
        let writesBefore = pass.withLock { p -> Int in
            p.running = true
            p.reachedCheckpoint = false
            return p.operatorWrites
        }
        defer { pass.withLock { $0.running = false } }
        let clock = ContinuousClock()
        let started = clock.now
        let countsBefore = counters.values.withLock { $0 }
        events.send(.phase(.connecting))
        do {
            try await runScan()
        } catch {
            let interrupted = error.code == .cancelled
            // A scan that failed before listing or writing anything (a mistyped project, a bad
            // token) leaves no checkpoint: the directory stays usable for the right command.
            let c = await store.current
            if previous != nil || c.enumerationCursor != nil || c.written > 0 || !c.pending.isEmpty {
                await store.update { $0.phase = interrupted ? .interrupted : .failed }
                _ = try? await store.saveCheckpoint(force: true)
            }
            events.send(.phase(interrupted ? .interrupted : .failed))
            throw error
        }
        let writesSeen = pass.withLock { $0.operatorWrites }
        if writesSeen != writesBefore { try await store.recount() }
        var summary = await summarize(seconds: (clock.now - started).seconds, since: countsBefore)
        let checkpoint = await store.current
        if checkpoint.failed > 0 || !checkpoint.pending.isEmpty {
            await store.update { $0.phase = .failed }
            try await store.saveCheckpoint(force: true)
            events.send(.phase(.failed))
            summary.failed = checkpoint.pending.count
            events.send(.finished(summary))
            throw JiraError(
                .serverError,
                "\(checkpoint.pending.count) issue\(checkpoint.pending.count == 1 ? "" : "s") could not be fetched after every retry and tier; they stay pending in \(store.directory)/state.json and the same command retries them"
            )
        }
        if options.sweep {
            let (deleted, moved) = try await sweep()
            await store.update { $0.swept = Checkpoint.Sweep(deleted: deleted, movedTo: moved) }
            summary.deleted = deleted.count
            summary.moved = moved.count
            events.send(.swept(deleted: deleted, movedTo: moved))
        }
        if options.mode == .full, let gone = try await store.filesNotWrittenByThisScan() {
            await store.update { $0.outOfScope = gone }
            summary.outOfScope = gone.count
            if !gone.isEmpty { events.send(.outOfScope(keys: gone)) }
        }
        let manifestBytes = await store.manifestBytes()
        let compactedBytes = await store.current.manifestCompactedBytes ?? 0
        if manifestBytes > max(options.manifestCompactionFloor, 2 * compactedBytes) {
            let (before, after) = try await store.compactManifest()
            events.send(.compacted(before: before, after: after))
        }
        await store.update { $0.phase = .done }
        try await store.saveCheckpoint(force: true)
        events.send(.phase(.done))
        events.send(.finished(summary))
        // An operator's fetch that ended during the sweep or the save saw a pass under way and
        // left the recount to it: done here, once the pass is over.
        let late = pass.withLock { p -> Bool in
            p.running = false
            return p.operatorWrites != writesSeen
        }
        if late {
            try await store.recount()
            try await store.saveCheckpoint(force: true)
            events.send(.recounted(await summarize(seconds: 0)))
        }
        return summary
    }

    func summarize(seconds: Double, since before: Counters.Values = .init()) async -> ScanSummary {
        let c = await store.current
        var s = ScanSummary(project: options.project, mode: options.mode)
        s.total = c.total
        s.written = c.written
        s.complete = c.written - (c.incompleteThisPass ?? 0)
        s.incomplete = c.incomplete
        s.tiers = c.tiers
        s.vanished = c.vanished
        s.failed = c.pending.count
        let counts = counters.values.withLock { $0 }
        s.requests = counts.requests - before.requests
        s.retries = counts.retries - before.retries
        s.bytes = counts.bytes - before.bytes
        s.seconds = seconds
        return s
    }

    /// An operator's action (the console's single fetch, or its re-fetch of incomplete issues):
    /// `keys` fetched through the scan's own client (its request slots, back-off gate, pacing
    /// and outage state, so it can neither jump a 429 hold nor exceed the concurrency), with
    /// every budget multiplied by `budgetFactor`, written to the scan's directory, two at a
    /// time. Outcomes come in the order of `keys`; cancellation and authentication failures
    /// are thrown.
    ///
    /// The checkpoint's counts then reflect what the files hold: recounted and saved at once
    /// between passes, or at the end of the pass under way.
    public func operatorFetch(
        _ keys: [IssueKey], budgetFactor: Double = 1
    ) async throws(JiraError) -> [IssueFetcher.Outcome] {
        let outcomes = try await client.withBudgets(multipliedBy: budgetFactor) { () async throws(JiraError) in
            try await IssueFetcher.fetch(keys, client: client, store: store, concurrency: 2, events: events)
        }
        let running = pass.withLock { p in
            p.operatorWrites += 1
            return p.running
        }
        if !running {
            try await store.recount()
            try await store.saveCheckpoint(force: true)
            events.send(.recounted(await summarize(seconds: 0)))
        }
        return outcomes
    }

    /// Before a pass: the first runs with what `init` derived; each later one continues from
    /// the checkpoint the last left (whatever `since`/`restart` the caller gave the first).
    private func preparePass() async {
        let first = pass.withLock { p in
            defer { p.started += 1 }
            return p.started == 0
        }
        guard !first, pass.withLock({ $0.reachedCheckpoint }) else { return }
        let previous = await store.current
        var base = requested
        base.since = nil
        base.restart = false
        base.continues = true
        let (effective, continuation) = Self.continuing(base, after: previous)
        pass.withLock {
            $0.options = effective
            $0.previous = previous
            $0.continuation = continuation
        }
    }

    /// Runs passes until the calling task is cancelled: the first as `run()` does, then, after
    /// `interval` seconds, the next (a delta from the last finished pass's watermark), and so
    /// on. `beforePass` is called with each later pass's number (2, 3, …) before it starts;
    /// `passEnded` receives each pass's number and outcome. A pass that failed for a reason
    /// that may pass (a timeout, 5xx or 429 after every retry, an outage past its timeout)
    /// leaves its issues pending, and the next pass retries them; any other failure, and an
    /// interruption mid-pass, is thrown. Cancelled between passes, it returns.
    public func follow(
        every interval: Double,
        beforePass: @Sendable (Int) async -> Void = { _ in },
        passEnded: @Sendable (Int, Result<ScanSummary, JiraError>) async -> Void
    ) async throws(JiraError) {
        var number = 1
        while true {
            let outcome: Result<ScanSummary, JiraError>
            do { outcome = .success(try await run()) } catch { outcome = .failure(error) }
            await passEnded(number, outcome)
            if case .failure(let error) = outcome, !Self.mayPass(error) { throw error }
            number += 1
            events.send(.nextPass(number: number, inSeconds: interval))
            do { try await Task.sleep(for: .milliseconds(Int64(interval * 1000))) } catch { return }
            await beforePass(number)
            if Task.isCancelled { return }
        }
    }

    /// Whether `--follow` goes on after a pass failed this way: an outage past its timeout, or a
    /// transient failure after every retry (its issues stay pending for the next pass). Not a
    /// setup problem named with a remedy (a wrong URL, proxy or certificate: it would fail
    /// every interval forever).
    public static func mayPass(_ error: JiraError) -> Bool {
        error.code == .outage || (error.isTransient && error.hint == nil)
    }

    /// The options this pass runs with. With `continues`, no `since` and no `restart`: an
    /// unfinished pass resumes as it was (its own `since`), and after a finished pass with the
    /// same filter this one is a delta from that pass's start (the watermark, which so
    /// advances only when a pass finishes).
    static func continuing(_ options: ScanOptions, after previous: Checkpoint?) -> (ScanOptions, Continuation?) {
        guard let previous, options.continues, !options.restart, options.since == nil,
            previous.filter == options.filter
        else { return (options, nil) }
        var effective = options
        if previous.phase != .done {
            effective.since = previous.since.flatMap(Self.parseInstant)
            return (effective, nil)
        }
        guard let start = Self.parseInstant(previous.startedAt) else { return (options, nil) }
        effective.since = start
        let lastFull = previous.mode == .full ? previous.startedAt : previous.lastFullScan
        return (effective, Continuation(since: previous.startedAt, lastFullScan: lastFull))
    }

    /// `2026-05-18T07:30:00Z`: how instants are kept in `state.json`.
    static func instant(_ date: Date) -> String { date.formatted(.iso8601) }

    static func parseInstant(_ text: String) -> Date? { try? Date(text, strategy: .iso8601) }

    // MARK: - The scan

    private func runScan() async throws(JiraError) {
        if client.configuration.tls == .insecure {
            events.send(.client(.warning("TLS certificate verification is OFF: anyone on the path can read the token")))
        }
        let user = try await client.myself()
        let info = try await client.serverInfo()
        let zone = await client.jqlTimeZone()
        events.send(
            .connected(
                .init(
                    url: client.configuration.baseURL, user: user.displayName.description,
                    serverVersion: info.version.description,
                    timeZone: zone.zone.identifier, timeZoneSource: zone.source.rawValue, project: options.project,
                    insecure: client.configuration.tls == .insecure)))
        if let continuation {
            events.send(.continuing(since: continuation.since, lastFullScan: continuation.lastFullScan))
        }
        let sinceLiteral = options.since.map { JQL.dateLiteral($0.addingTimeInterval(-options.overlap), in: zone.zone) }
        let sinceISO = options.since.map(Self.instant)
        let startedAt = Self.instant(info.serverTime.flatMap(JiraDate.parse) ?? Date())

        // Resume, or begin anew.
        let resuming = previous != nil && !options.restart && previous?.phase != .done
        if let previous, !options.restart, previous.phase != .done {
            guard previous.filter == options.filter, previous.mode == options.mode, previous.since == sinceISO else {
                throw JiraError(
                    .invalidInput,
                    "\(store.directory) holds an unfinished \(previous.mode.rawValue) scan with other options (filter \(previous.filter ?? "none"), since \(previous.since ?? "none"))",
                    hint: .finishOrRestart)
            }
        } else {
            await store.begin(
                Checkpoint(
                    project: options.project, filter: options.filter, mode: options.mode, since: sinceISO,
                    sinceLiteral: sinceLiteral, startedAt: startedAt, phase: .enumerating, enumerationCursor: nil,
                    enumerationDone: false, total: 0, pending: [], written: 0, vanished: 0, tiers: [:],
                    incomplete: 0, failed: 0,
                    lastFullScan: options.mode == .full
                        ? startedAt : previous.flatMap { $0.mode == .full ? $0.startedAt : $0.lastFullScan }))
            await store.update { $0.manifestCompactedBytes = previous?.manifestCompactedBytes }
        }
        pass.withLock { $0.reachedCheckpoint = true }
        let hubs = try OutputStore.hubKeys(in: store.directory)
        pass.withLock { $0.knownHubs = hubs }
        events.send(.incompleteInDirectory(await store.incompleteInDirectory))
        try await store.writeFields(try await client.fieldCatalog())
        let checkpoint = await store.current
        let window = sinceLiteral.map { "updated >= \"\($0)\" (\(zone.zone.identifier))" }
        if checkpoint.total > 0 { events.send(.planned(total: checkpoint.total, mode: options.mode, window: window)) }
        if resuming && checkpoint.written > 0 {
            events.send(.resumedPass(written: checkpoint.written, pending: checkpoint.pending.count))
        }

        let queue = WorkQueue()
        queue.push(checkpoint.pending)
        // The listing goes on beside the workers for the whole pass (a few pages ahead of them),
        // so `enumerating` comes first and `fetching` says the workers have started.
        if !checkpoint.enumerationDone { events.send(.phase(.enumerating)) }
        let sinceDate = options.since?.addingTimeInterval(-options.overlap)
        let outcome: JiraError? = await withTaskGroup(of: JiraError?.self) { outer in
            // Checkpoints: saved on change, at most once a second, until the work is done.
            outer.addTask { [self] in
                do throws(JiraError) {
                    try await store.saveOnChange { [self] in
                        events.send(.checkpoint(written: await store.writtenCount, pending: await store.pendingCount))
                    }
                    return nil
                } catch { return error }
            }
            let result = await withTaskGroup(of: JiraError?.self) { group in
                group.addTask { [self] in
                    defer { queue.close() }
                    if checkpoint.enumerationDone { return nil }
                    do throws(JiraError) {
                        try await list(
                            after: checkpoint, since: sinceLiteral, sinceDate: sinceDate, window: window, into: queue)
                        return nil
                    } catch { return error }
                }
                for worker in 1...options.concurrency {
                    group.addTask { [self] in
                        do throws(JiraError) { try await work(worker: worker, queue: queue) } catch { return error }
                        return nil
                    }
                }
                events.send(.phase(.fetching))
                var first: JiraError?
                for await result in group {
                    guard let error = result, first == nil || first?.code == .cancelled else { continue }
                    first = error
                    group.cancelAll()
                    queue.close()
                }
                return first
            }
            outer.cancelAll()  // the work is done: stop the saver
            var first = result
            for await error in outer where first == nil { first = error }
            return first
        }
        if Task.isCancelled { throw JiraError(.cancelled, "the scan was interrupted") }
        if let outcome { throw outcome }
        events.send(.phase(.finishing))
    }

    /// Lists keys in key order, 1,000 a request (the first answer gives the total), streaming
    /// each page into the checkpoint and the queue, at most `options.listingLead` issues ahead
    /// of the workers.
    private func list(
        after checkpoint: Checkpoint, since sinceLiteral: String?, sinceDate: Date?, window: String?,
        into queue: WorkQueue
    ) async throws(JiraError) {
        var planned = checkpoint.total > 0
        // Never less than one round of the largest batches, so no worker waits for the listing.
        let lead = max(
            options.listingLead,
            options.concurrency * (options.adaptivePageSize ? PageSizer.adaptiveCeiling : options.pageSize))
        // Listed by this pass so far: a later page's total counts only the issues after it.
        var listed = 0
        do {
            try await client.seek(
                project: options.project, filter: options.filter, since: sinceLiteral,
                after: checkpoint.enumerationCursor, pageSize: 1000, fields: ["updated"]
            ) { (page, _) throws(JiraError) in
                let rows = page.issues.map {
                    KeyRow(key: $0.summary.key, id: $0.summary.id, updated: $0.summary.updated)
                }
                let issues = rows.map { Checkpoint.PendingIssue(key: $0.key, id: $0.id) }
                await store.addPending(
                    issues, cursor: rows.last?.key, done: false,
                    total: page.total.map { $0 + checkpoint.written + listed })
                listed += rows.count
                if !planned, let total = page.total {
                    planned = true
                    events.send(.planned(total: total + checkpoint.written, mode: options.mode, window: window))
                }
                if let sinceDate {
                    let stale = rows.filter { row in row.updated.flatMap(JiraDate.parse).map { $0 < sinceDate } ?? false
                    }
                    if let first = stale.first { events.send(.reindexDetected(count: stale.count, example: first.key)) }
                }
                queue.push(issues)
                // A few pages ahead of the workers, no more: what is listed and not yet fetched
                // is held in memory and rewritten into every checkpoint.
                await queue.waitForRoom(atMost: lead)
                // Paused: the next listing page waits too (nothing new starts).
                await control.waitWhilePaused()
            }
        } catch  where error.code == .jqlRejected {
            // Asked by structure, not by the wording of JIRA's (translated) message.
            guard try await client.projectExists(options.project) else {
                throw JiraError(
                    .jqlRejected, "JIRA has no project \(options.project), or the token's user may not browse it",
                    status: error.status, messages: error.messages)
            }
            throw error
        }
        await store.addPending([], cursor: nil, done: true, total: nil)
    }

    // MARK: - A worker

    private func work(worker: Int, queue: WorkQueue) async throws(JiraError) {
        let clause = try JQL.projectClause(options.project, filter: options.filter)
        try await withThrowingTaskGroupTyped { (group: inout ThrowingTaskGroup<Void, any Error>) throws(JiraError) in
            var inFlight = 0
            while true {
                await control.waitWhilePaused()
                guard let batch = await queue.next(size: pageSizer.size) else { break }
                // A worker that waited for work while the operator paused does not start now.
                await control.waitWhilePaused()
                if Task.isCancelled { throw JiraError(.cancelled, "the scan was interrupted") }
                events.send(
                    .cursor(
                        worker: worker, first: batch.first!.key, last: batch.last!.key,
                        enumerated: await store.enumerationCursor))
                let rows = try await fetch(batch, clause: clause)
                for page in Self.pages(rows) {
                    while inFlight >= options.completionsPerWorker {
                        do { try await group.next() } catch { throw Self.jiraError(error) }
                        inFlight -= 1
                    }
                    inFlight += 1
                    if page.ladder.tier == .hub && page.rows.count > 1 {
                        group.addTask { [self] in try await completeSharedHubPage(page) }
                        continue
                    }
                    for row in page.rows {
                        if row.summary.id != page.rows.first!.summary.id {
                            while inFlight >= options.completionsPerWorker {
                                do { try await group.next() } catch { throw Self.jiraError(error) }
                                inFlight -= 1
                            }
                            inFlight += 1
                        }
                        group.addTask { [self] in
                            let issue = try await client.complete(
                                IssuePayload(row), tier: page.ladder.tier, links: page.ladder.links,
                                rungs: page.ladder.rungs)
                            let record = try await store.write(issue)
                            events.send(.written(record))
                        }
                    }
                }
            }
            do { while try await group.next() != nil {} } catch { throw Self.jiraError(error) }
        }
    }

    /// `--sweep`: lists every key of the project (1,000 a request) and resolves each issue whose
    /// latest manifest record says it is here but the listing lacks: `GET /issue/{key}` answers
    /// 404 (deleted, or no longer visible) or the issue under its new key (moved; JIRA resolves
    /// old keys). Each gets a manifest record saying so; files are kept. An issue JIRA still
    /// answers under its key (outside the filter, or listed late) is left as it is. Holds the
    /// set of keys present while it runs (about 60 bytes an issue), and whole records only for
    /// the issues gone.
    private func sweep() async throws(JiraError) -> (deleted: [IssueKey], moved: [String: String]) {
        var missing = try OutputStore.presentKeys(in: store.directory)
        guard !missing.isEmpty else { return ([], [:]) }
        try await client.seek(
            project: options.project, filter: options.filter, since: nil, after: nil, pageSize: 1000, fields: ["key"]
        ) { (page, _) throws(JiraError) in
            for row in page.issues { missing.remove(row.summary.key.description) }
        }
        let gone = try OutputStore.latestRecords(of: missing, in: store.directory)
        var deleted: [IssueKey] = []
        var moved: [String: String] = [:]
        // A few at a time: these are cheap GETs, and the scan's slots bound them anyway.
        for chunk in stride(from: 0, to: gone.count, by: 4).map({ Array(gone[$0..<min($0 + 4, gone.count)]) }) {
            let fates = await withTaskGroup(of: (ManifestRecord, Result<CursorFate, JiraError>).self) { group in
                for record in chunk {
                    group.addTask { [client] in
                        do throws(JiraError) {
                            return (record, .success(try await client.cursorFate(record.key)))
                        } catch {
                            return (record, .failure(error))
                        }
                    }
                }
                var fates: [(ManifestRecord, Result<CursorFate, JiraError>)] = []
                for await fate in group { fates.append(fate) }
                return fates
            }
            for (record, fate) in fates {
                switch try fate.get() {
                case .exists: continue
                case .deleted:
                    try await store.recordGone(record, movedTo: nil)
                    deleted.append(record.key)
                case .moved(let to):
                    try await store.recordGone(record, movedTo: to)
                    moved[record.key.description] = to.description
                }
            }
        }
        return (deleted.sorted(), moved)
    }

    /// The rows of one page as the page ladder fetched it.
    struct FetchedPage: Sendable {
        var ladder: LadderPage
        var rows: [SearchPageBytes.Issue]
    }

    /// `rows` grouped by the page they came on (a split batch yields several), in order.
    static func pages(_ rows: [(LadderPage, SearchPageBytes.Issue)]) -> [FetchedPage] {
        var pages: [FetchedPage] = []
        for (ladder, row) in rows {
            let id = ladder.page.issues.first?.summary.id
            if let last = pages.last, last.ladder.page.issues.first?.summary.id == id {
                pages[pages.count - 1].rows.append(row)
            } else {
                pages.append(FetchedPage(ladder: ladder, rows: [row]))
            }
        }
        return pages
    }

    /// A page of several issues that reached JIRA only without links (the hub tier): its issues
    /// are completed side by side and each is written as soon as it is complete, once. An issue
    /// with `hubLinks` links or more is a hub; so is the last to complete when none before it
    /// was (its links took longest: JIRA's cost of rendering an issue grows with its links). The
    /// others are written with `splitPage`: fetched this way for another issue's sake.
    private func completeSharedHubPage(_ page: FetchedPage) async throws {
        try await withThrowingTaskGroup(of: AssembledIssue.self) { group in
            for row in page.rows {
                group.addTask { [self] in
                    try await client.complete(
                        IssuePayload(row), tier: .hub, links: page.ladder.links, rungs: page.ladder.rungs)
                }
            }
            var remaining = page.rows.count
            var sawHub = false
            for try await issue in group {
                remaining -= 1
                let isHub = (issue.summary.links ?? 0) >= Self.hubLinks || (remaining == 0 && !sawHub)
                sawHub = sawHub || isHub
                events.send(.written(try await store.write(issue, splitPage: !isHub)))
            }
        }
    }

    /// Links from which an issue is a hub whatever its page (JIRA renders a few hundred links in
    /// seconds; the hubs this tool is for have thousands).
    static let hubLinks = Narration.hubLinks

    /// One part of a split page, fetched.
    private struct PartOutcome: Sendable {
        var index: Int
        var rows: [(LadderPage, SearchPageBytes.Issue)]
        var error: JiraError?
    }

    /// Parts a timed-out page is split into.
    static let splitWays = 8

    /// `batch` in at most `ways` parts of near-equal size, in order.
    static func split<T>(_ batch: [T], ways: Int) -> [[T]] {
        let count = min(ways, batch.count)
        guard count > 1 else { return [batch] }
        return (0..<count).map { i in Array(batch[(i * batch.count / count)..<((i + 1) * batch.count / count)]) }
    }

    static func jiraError(_ error: any Error) -> JiraError {
        if let e = error as? JiraError { return e }
        if error is CancellationError { return JiraError(.cancelled, "the scan was interrupted") }
        return JiraError(.localIO, "\(error)")
    }

    /// Fetches one batch through the page ladder. Issues the batch named but the answer lacks have
    /// left the project. A batch whose upper tiers timed out is split, down to the slow issue
    /// alone (which alone may descend to the minimal tier); a batch that failed for a transient
    /// reason after every retry stays pending (and is reported); an outage past its timeout, a
    /// 4xx or an answer that is not JIRA's stops the scan.
    ///
    /// Known hubs leave the batch and are fetched alone from the hub-base rung: a full attempt
    /// at their page would be abandoned at the fast-fail budget while JIRA renders it to the end.
    private func fetch(
        _ batch: [Checkpoint.PendingIssue], clause: String
    ) async throws(JiraError) -> [(LadderPage, SearchPageBytes.Issue)] {
        let knownHubs = pass.withLock { $0.knownHubs }
        let hubs = knownHubs.isEmpty ? [] : batch.filter { knownHubs.contains($0.key) }
        if !hubs.isEmpty && batch.count > 1 {
            let others = batch.filter { !knownHubs.contains($0.key) }
            var rows = others.isEmpty ? [] : try await fetch(others, clause: clause)
            for hub in hubs { rows += try await fetch([hub], clause: clause) }
            return rows
        }
        let ids = batch.map(\.id).joined(separator: ", ")
        let jql = "\(clause) AND id in (\(ids)) ORDER BY key ASC"
        do {
            let subject = RequestSubject.batch(count: batch.count, first: batch.first!.key, last: batch.last!.key)
            let ladder = try await client.searchPageResilient(
                jql, maxResults: batch.count, validation: .warn, label: subject.text, subject: subject,
                knownHubs: !hubs.isEmpty)
            if ladder.tier == .full, let full = ladder.rungs.first(where: { $0.rung == .full && $0.succeeded }),
                let change = pageSizer.record(
                    asked: batch.count, issues: ladder.page.issues.count, seconds: full.seconds,
                    serverMax: ladder.page.maxResults)
            {
                events.send(change.event)
            }
            let returnedIDs = Set(ladder.page.issues.map(\.summary.id))
            let vanished = batch.filter { !returnedIDs.contains($0.id) }.map(\.key)
            if !vanished.isEmpty {
                await store.markVanished(vanished)
                events.send(.vanished(keys: vanished))
            }
            var rows: [(LadderPage, SearchPageBytes.Issue)] = []
            for row in ladder.page.issues {
                guard row.summary.key.project == options.project else {
                    events.send(
                        .error("JIRA returned \(row.summary.key) for a query of project \(options.project); ignored"))
                    continue
                }
                rows.append((ladder, row))
            }
            return rows
        } catch  where error.code == .timeout && batch.count > 1 {
            if let change = pageSizer.timedOut(asked: batch.count) { events.send(change.event) }
            // Split into up to `splitWays` parts fetched side by side: the slow issue is alone
            // after about log₈(n) rounds of timeouts instead of log₂(n).
            let parts = Self.split(batch, ways: Self.splitWays)
            let outcomes = await withTaskGroup(of: PartOutcome.self) { group in
                for (index, part) in parts.enumerated() {
                    group.addTask { [self] in
                        do throws(JiraError) {
                            return PartOutcome(index: index, rows: try await fetch(part, clause: clause), error: nil)
                        } catch {
                            return PartOutcome(index: index, rows: [], error: error)
                        }
                    }
                }
                var outcomes: [PartOutcome] = []
                for await outcome in group { outcomes.append(outcome) }
                return outcomes.sorted { $0.index < $1.index }
            }
            var rows: [(LadderPage, SearchPageBytes.Issue)] = []
            for outcome in outcomes {
                if let error = outcome.error { throw error }
                rows += outcome.rows
            }
            return rows
        } catch  where error.isTransient {
            events.send(.batchFailed(keys: batch.map(\.key), error: error.description))
            await store.update { $0.failed += 1 }
            return []
        }
    }
}

/// `withThrowingTaskGroup` whose body throws `JiraError`.
func withThrowingTaskGroupTyped(
    _ body: (inout ThrowingTaskGroup<Void, any Error>) async throws(JiraError) -> Void
) async throws(JiraError) {
    let result: JiraError? = await withThrowingTaskGroup(of: Void.self) { group in
        do throws(JiraError) {
            try await body(&group)
            return nil
        } catch {
            group.cancelAll()
            return error
        }
    }
    if let result { throw result }
}
