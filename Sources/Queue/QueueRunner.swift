// The scheduler (Postfix's qmgr in one actor): which message is due, which destination
// it goes to, how many deliveries run at once, what a result means for the message, and
// when it is finished. Blocking file work happens in QueueSpool on its own threads; the
// network in RemoteDelivery; the store behind LocalDelivery.
//
// Per message: pending recipients are grouped by destination into jobs; a message is
// attempted again `RetrySchedule.delay` after a deferral (5 min, 10, 20... up to the
// maximum), bounces what is still pending after `lifetime`, and warns the sender once after
// `delayWarning`. Per destination: at most `concurrencyPerDestination` workers, each
// keeping its connection for the next job; a destination that failed as a whole (no host
// reachable, DNS failure) is paused for `RetrySchedule.minimum`, and its other messages
// wait instead of repeating the failure.

public import Foundation
import Logging
import MailCore
import SMTPClient
import SMTPProtocol

public struct QueueConfiguration: Sendable {
    /// Our host name (Reporting-MTA, MAILER-DAEMON@).
    public var hostname: String
    /// Postfix maximal_queue_lifetime: 5 days.
    public var lifetime: TimeInterval = 5 * 86_400
    /// Postfix delay_warning_time; 0 disables the warning.
    public var delayWarning: TimeInterval = 4 * 3600
    public var retry = RetrySchedule()
    /// Postfix default_destination_concurrency_limit.
    public var concurrencyPerDestination = 10
    /// All deliveries at once (Postfix default_process_limit).
    public var maxConcurrentDeliveries = 100
    /// How often `postern queue` requests are looked for (real time).
    public var controlPollInterval: Duration = .seconds(1)

    public init(hostname: String) { self.hostname = hostname }
}

actor QueueRunner {
    struct Entry {
        var envelope: QueueEnvelope
        var progress: [RecipientProgress]
        var warned: Bool
        var size: Int
        var nextAttempt: Date
        /// Jobs of this message being delivered or reported.
        var inFlight = 0
        /// DSN and removal under way.
        var finalizing = false

        var pending: [Int] { progress.indices.filter { progress[$0].state == .pending } }
        var isFinal: Bool { progress.allSatisfy { $0.state != .pending } }
    }

    struct DestinationState {
        var jobs: [DeliveryJob] = []
        var head = 0
        var workers = 0
        var pausedUntil: Date?
        var pauseReason: SMTPReply?
        var consecutiveFailures = 0

        var queued: Int { jobs.count - head }
        mutating func push(_ j: DeliveryJob) { jobs.append(j) }
        mutating func pop() -> DeliveryJob? {
            guard head < jobs.count else { return nil }
            let j = jobs[head]
            head += 1
            if head > 64 && head * 2 > jobs.count { jobs.removeFirst(head); head = 0 }
            return j
        }
    }

    let spool: QueueSpool
    let clock: any QueueClock
    let configuration: QueueConfiguration
    let local: any LocalDelivery
    let remote: RemoteDelivery
    let events: EventHub
    let srs: SRS?

    var entries: [String: Entry] = [:]
    var due = DueHeap()
    var destinations: [Destination: DestinationState] = [:]
    var totalWorkers = 0
    var stopping = false
    var wakePending = false
    var sleeper: Task<Void, Never>?
    var idleWaiters: [CheckedContinuation<Void, Never>] = []

    init(spool: QueueSpool, clock: any QueueClock, configuration: QueueConfiguration, local: any LocalDelivery,
         remote: RemoteDelivery, events: EventHub, srs: SRS?) {
        self.spool = spool
        self.clock = clock
        self.configuration = configuration
        self.local = local
        self.remote = remote
        self.events = events
        self.srs = srs
    }

    // MARK: loading

    /// Adds a message read from the spool (recovery) or just queued.
    func add(_ m: SpooledMessage, dueAt: Date? = nil) {
        guard entries[m.id] == nil else { return }
        var next = dueAt ?? clock.now()
        if dueAt == nil {
            // After a restart the backoff continues where it was.
            let deferrals = m.pendingRecipients.map { m.progress[$0].deferrals }.max() ?? 0
            let last = m.pendingRecipients.compactMap { m.progress[$0].lastAttempt }.max()
            if deferrals > 0, let last {
                next = min(last.addingTimeInterval(configuration.retry.delay(afterDeferrals: deferrals)),
                           m.envelope.arrival.addingTimeInterval(configuration.lifetime))
            }
        }
        entries[m.id] = Entry(envelope: m.envelope, progress: m.progress, warned: m.warned, size: m.size, nextAttempt: next)
        due.push(next, m.id)
        wake()
    }

    // MARK: the loop

    func run() async {
        await withDiscardingTaskGroup { group in
            group.addTask { await self.pollControl() }
            while !stopping && !Task.isCancelled {
                let (workers, finished) = dispatch()
                for destination in workers {
                    group.addTask { await self.worker(destination) }
                }
                for id in finished {
                    group.addTask { await self.finalize(id) }
                }
                checkIdle()
                await sleep(until: nextWake())
            }
            // A graceful stop lets running deliveries finish their job (they take no new
            // one); cancellation of the whole task reaches them anyway.
        }
        for w in idleWaiters { w.resume() }
        idleWaiters.removeAll()
    }

    /// Stops taking new work; running deliveries finish.
    func stop() {
        stopping = true
        wake()
    }

    func wake() {
        wakePending = true
        sleeper?.cancel()
    }

    func sleep(until deadline: Date?) async {
        if wakePending {
            wakePending = false
            return
        }
        let clock = self.clock
        let target = deadline ?? clock.now().addingTimeInterval(3600)
        let task = Task { _ = try? await clock.sleep(until: target) }
        sleeper = task
        // The sleep is its own task (so `wake` can cancel it); the run loop's cancellation
        // must reach it too.
        await withTaskCancellationHandler {
            await task.value
        } onCancel: {
            task.cancel()
        }
        sleeper = nil
        wakePending = false
    }

    func nextWake() -> Date? {
        while let top = due.peek() {
            if let e = entries[top.id], e.inFlight == 0, !e.finalizing, e.nextAttempt == top.time { return top.time }
            _ = due.pop()
        }
        return nil
    }

    /// Turns due messages into jobs; returns the destinations that need another worker.
    func dispatch() -> (workers: [Destination], finished: [String]) {
        guard !stopping else { return ([], []) }
        let now = clock.now()
        var finished: [String] = []
        while let top = due.peek(), top.time <= now {
            _ = due.pop()
            guard var e = entries[top.id], e.inFlight == 0, !e.finalizing, e.nextAttempt == top.time else { continue }
            if e.isFinal {
                // Recovered after a crash between the last result and the removal.
                finished.append(top.id)
                continue
            }
            var groups: [Destination: [Int]] = [:]
            var order: [Destination] = []
            for i in e.pending {
                let d = destination(of: e.envelope.recipients[i])
                if groups[d] == nil { order.append(d) }
                groups[d, default: []].append(i)
            }
            var pausedUntil: Date?
            for d in order {
                if let until = destinations[d]?.pausedUntil, until > now {
                    pausedUntil = min(pausedUntil ?? until, until)
                    continue
                }
                destinations[d, default: DestinationState()].push(DeliveryJob(envelope: e.envelope, recipients: groups[d] ?? [], destination: d))
                e.inFlight += 1
            }
            if e.inFlight == 0, let until = pausedUntil {
                e.nextAttempt = until
                due.push(until, top.id)
            }
            entries[top.id] = e
        }
        var start: [Destination] = []
        for (d, var state) in destinations where state.queued > 0 {
            let add = min(configuration.concurrencyPerDestination - state.workers, state.queued,
                          configuration.maxConcurrentDeliveries - totalWorkers)
            guard add > 0 else { continue }
            state.workers += add
            totalWorkers += add
            start.append(contentsOf: repeatElement(d, count: add))
            destinations[d] = state
        }
        return (start, finished)
    }

    func destination(of r: QueueRecipient) -> Destination {
        switch r.transport {
        case .local: .local
        case .remote: remote.configuration.relay != nil ? .relay : .domain(r.address.domain)
        }
    }

    // MARK: workers

    func worker(_ destination: Destination) async {
        if let first = await takeJob(destination) {
            if destination == .local {
                var job: DeliveryJob? = first
                while let j = job {
                    await deliverLocally(j)
                    job = await takeJob(destination)
                }
            } else {
                await remote.run(first: first,
                                 load: { id in await self.loadContent(id) },
                                 next: { await self.takeJob(destination) },
                                 report: { job, report in await self.report(job, report) })
            }
        }
        destinations[destination]?.workers -= 1
        totalWorkers -= 1
        // Forget destinations with nothing left to remember (the map would grow with every
        // domain ever written to).
        if let state = destinations[destination], state.workers == 0, state.queued == 0,
           (state.pausedUntil ?? .distantPast) <= clock.now() {
            destinations[destination] = nil
        }
        // Another destination may have been waiting for a free worker.
        wake()
    }

    func takeJob(_ destination: Destination) async -> DeliveryJob? {
        while !stopping, var state = destinations[destination], let job = state.pop() {
            destinations[destination] = state
            if entries[job.id] == nil { continue }   // deleted meanwhile
            if let until = state.pausedUntil, until > clock.now(), let reason = state.pauseReason {
                // Postfix's "delivery temporarily suspended": the destination just failed.
                let reply = SMTPReply(reason.code, reason.enhanced, "delivery temporarily suspended: " + reason.oneLine)
                await report(job, AttemptReport(verdicts: Dictionary(uniqueKeysWithValues: job.recipients.map { ($0, .deferred(reply)) }), relay: "none"))
                continue
            }
            return job
        }
        // Jobs left behind at shutdown are simply not attempted.
        if stopping, var state = destinations[destination] {
            while let job = state.pop() { entries[job.id]?.inFlight -= 1 }
            destinations[destination] = state
        }
        return nil
    }

    func loadContent(_ id: String) async -> [UInt8]? {
        do {
            switch try await spool.content(id) {
            case .success(let c): return c
            case .failure(let e):
                events.emit(.spoolError(id: id, error: e.description))
                return nil
            }
        } catch {
            if !error.isNotFound { events.emit(.spoolError(id: id, error: error.description)) }
            return nil
        }
    }

    func deliverLocally(_ job: DeliveryJob) async {
        guard let content = await loadContent(job.id) else {
            await report(job, AttemptReport(verdicts: [:], relay: "none", messageGone: true))
            return
        }
        let mailboxes = job.recipients.map { job.envelope.recipients[$0].address }
        let verdicts = await local.deliver(content, envelope: job.envelope, to: mailboxes)
        let failure = DeliveryVerdict.deferred(SMTPReply(451, EnhancedStatus(4, 3, 0), "local delivery gave no result"))
        await report(job, AttemptReport(verdicts: Dictionary(uniqueKeysWithValues: job.recipients.enumerated().map { k, i in
            (i, k < verdicts.count ? verdicts[k] : failure)
        }), relay: "local"))
    }

    // MARK: results

    func report(_ job: DeliveryJob, _ r: AttemptReport) async {
        let now = clock.now()
        let id = job.id
        guard var e = entries[id] else { return }
        if r.messageGone {
            // Deleted by the operator (or unreadable, and then quarantined at next start).
            e.inFlight -= 1
            entries[id] = e
            if e.inFlight == 0 { forget(id) }
            return
        }
        updatePause(job.destination, r, now: now)
        var records: [JournalRecord] = []
        // RFC 3461 §6.2: NOTIFY=SUCCESS asks to hear of delivery into a mailbox, or of
        // relaying to a server that will not report further itself.
        var succeeded: [Int] = []
        for (i, verdict) in r.verdicts.sorted(by: { $0.key < $1.key }) where i < e.progress.count && e.progress[i].state == .pending {
            var p = e.progress[i]
            p.lastAttempt = now
            p.lastReply = verdict.reply
            p.lastRelay = r.relay
            let result: AttemptResult
            switch verdict {
            case .delivered(let reply):
                p.state = .delivered
                records.append(.delivered(recipient: i, time: now, relay: r.relay, reply: reply))
                result = .sent
                if e.envelope.recipients[i].notify?.success == true { succeeded.append(i) }
            case .bounced(let reply):
                p.state = .bounced
                records.append(.bounced(recipient: i, time: now, relay: r.relay, reply: reply))
                result = .bounced
            case .deferred(let reply):
                p.deferrals += 1
                records.append(.deferred(recipient: i, time: now, relay: r.relay, reply: reply))
                result = .deferred
            }
            e.progress[i] = p
            events.emit(.attempt(DeliveryAttempt(queueID: id, recipient: e.envelope.recipients[i].address, relay: r.relay, result: result,
                                                 reply: verdict.reply, tls: r.tls, delay: now.timeIntervalSince(e.envelope.arrival),
                                                 deferrals: p.deferrals)))
        }
        entries[id] = e
        // The last job of a finished message needs no journal: the files go next (a crash
        // before that repeats the delivery, which at-least-once allows).
        if !(e.isFinal && e.inFlight == 1) && !records.isEmpty {
            do {
                try await spool.append(id, records)
            } catch {
                if error.isNotFound {
                    entries[id]?.inFlight -= 1
                    if entries[id]?.inFlight == 0 { forget(id) }
                    return
                }
                events.emit(.spoolError(id: id, error: error.description))
            }
        }
        if !succeeded.isEmpty {
            if r.relay == "local" {
                await notify(e, kind: .delivered, recipients: succeeded)
            } else if !r.remoteTakesDSN {
                await notify(e, kind: .relayed, recipients: succeeded)
            }
        }
        guard entries[id] != nil else { return }
        entries[id]!.inFlight -= 1
        if entries[id]!.inFlight == 0 { await settleMessage(id) }
    }

    func updatePause(_ d: Destination, _ r: AttemptReport, now: Date) {
        guard d != .local else { return }
        var state = destinations[d, default: DestinationState()]
        if r.destinationFailure {
            state.consecutiveFailures += 1
            let pause = configuration.retry.delay(afterDeferrals: state.consecutiveFailures)
            state.pausedUntil = now.addingTimeInterval(pause)
            state.pauseReason = r.verdicts.values.first?.reply
        } else if r.verdicts.values.contains(where: { if case .deferred = $0 { false } else { true } }) || r.relay != "none" {
            state.consecutiveFailures = 0
            state.pausedUntil = nil
            state.pauseReason = nil
        }
        destinations[d] = state
    }

    /// After the last job of a round: finished, expired, or scheduled again (and maybe a
    /// delay warning).
    func settleMessage(_ id: String) async {
        guard var e = entries[id], e.inFlight == 0, !e.finalizing else { return }
        let now = clock.now()
        if e.isFinal {
            await finalize(id)
            return
        }
        let expiry = e.envelope.arrival.addingTimeInterval(configuration.lifetime)
        if now >= expiry {
            // RFC 3463 §3.5 X.4.7: delivery time expired; the last reason goes with it.
            events.emit(.expired(id: id))
            for i in e.pending {
                let last = e.progress[i].lastReply.map { ": " + $0.oneLine } ?? ""
                e.progress[i].state = .bounced
                e.progress[i].lastReply = SMTPReply(554, EnhancedStatus(5, 4, 7), "message expired after \(DeliveryStatusNotification.age(e.envelope.arrival, now)) in the queue" + last)
                e.progress[i].lastRelay = "none"
            }
            entries[id] = e
            await finalize(id)
            return
        }
        // Postfix's bounce_flush: recipients that failed for good are reported now, not
        // when the last deferred one is done.
        let failedNow = e.progress.indices.filter { e.progress[$0].state == .bounced && !e.progress[$0].notified }
        if !failedNow.isEmpty {
            for i in failedNow { e.progress[i].notified = true }
            entries[id] = e
            await notify(e, kind: .failure, recipients: failedNow.filter { e.envelope.recipients[$0].wantsFailureNotice })
            try? await spool.append(id, failedNow.map { .notified(recipient: $0, time: now) })
            guard let refreshed = entries[id] else { return }
            e = refreshed
        }
        let deferrals = e.pending.map { e.progress[$0].deferrals }.max() ?? 0
        e.nextAttempt = min(now.addingTimeInterval(configuration.retry.delay(afterDeferrals: max(1, deferrals))), expiry)
        due.push(e.nextAttempt, id)
        let warn = configuration.delayWarning > 0 && !e.warned && deferrals > 0
            && now >= e.envelope.arrival.addingTimeInterval(configuration.delayWarning)
        if warn { e.warned = true }
        entries[id] = e
        wake()
        if warn { await warnDelay(id) }
    }

    func forget(_ id: String) {
        entries[id] = nil
        checkIdle()
    }

    // MARK: notifications and removal

    func finalize(_ id: String) async {
        guard var e = entries[id], !e.finalizing else { return }
        e.finalizing = true
        entries[id] = e
        let failed = e.progress.indices.filter { e.progress[$0].state == .bounced && !e.progress[$0].notified }
        // Deleted by the operator meanwhile: nobody is told.
        let stillQueued = (try? await spool.run { [spool] in spool.exists(id) }) ?? false
        if !failed.isEmpty && stillQueued {
            let wanted = failed.filter { e.envelope.recipients[$0].wantsFailureNotice }
            await notify(e, kind: .failure, recipients: wanted)
        }
        do {
            try await spool.remove(id)
        } catch {
            events.emit(.spoolError(id: id, error: error.description))
        }
        entries[id] = nil
        events.emit(.removed(id: id))
        checkIdle()
    }

    func warnDelay(_ id: String) async {
        guard let e = entries[id] else { return }
        let wanted = e.pending.filter { e.envelope.recipients[$0].wantsDelayNotice }
        if await notify(e, kind: .delay, recipients: wanted) {
            try? await spool.append(id, [.warned(time: clock.now())])
        }
    }

    /// Queues a DSN for these recipients to the message's sender. Returns whether one was
    /// queued.
    @discardableResult
    func notify(_ e: Entry, kind: DSNKind, recipients: [Int]) async -> Bool {
        let id = e.envelope.id
        // RFC 3461 §4.1 NOTIFY=NEVER/without FAILURE or DELAY, and RFC 5321 §4.5.5: no
        // notification about a notification (no backscatter).
        guard case .mailbox = e.envelope.reversePath else {
            events.emit(.notificationSuppressed(id: id, reason: "null sender"))
            return false
        }
        guard !recipients.isEmpty else {
            events.emit(.notificationSuppressed(id: id, reason: "NOTIFY excludes \(kind.rawValue)"))
            return false
        }
        let original = await loadContent(id) ?? []
        return await queueNotification(kind, about: e.envelope, progress: e.progress, recipients: recipients, originalContent: original)
    }

    /// Builds the notice and queues it to the sender (and nothing for a null sender). Also
    /// used directly for mail delivered while the client waited, which never entered the
    /// queue: then `original` is made up for the report.
    @discardableResult
    func queueNotification(_ kind: DSNKind, about original: QueueEnvelope, progress: [RecipientProgress], recipients: [Int],
                           originalContent: [UInt8]) async -> Bool {
        let id = original.id
        guard case .mailbox(let sender) = original.reversePath, !recipients.isEmpty else { return false }
        let now = clock.now()
        // One id per notice: the first failure report is <id>.B, a later one for other
        // recipients <id>.B<first recipient>; queueing the same notice twice is a no-op.
        let first = recipients.min() ?? 0
        let notificationID = String((id + kind.idSuffix + (kind != .delay && first > 0 ? String(first) : "")).prefix(QueueID.maxLength))
        var dsn = DeliveryStatusNotification(kind: kind, reportingMTA: configuration.hostname, original: original,
                                             recipients: recipients.map { DSNRecipient(recipient: original.recipients[$0], progress: progress[$0]) },
                                             now: now, willRetryUntil: original.arrival.addingTimeInterval(configuration.lifetime))
        dsn.notificationID = notificationID
        let content = dsn.message(originalContent: originalContent)
        guard let targets = await notificationRecipients(sender) else {
            events.emit(.notificationSuppressed(id: id, reason: "sender \(sender) is unknown here"))
            return false
        }
        let envelope = QueueEnvelope(id: notificationID, arrival: now, reversePath: .null, parameters: MailParameters(),
                                     recipients: targets, eightBit: content.contains { $0 >= 0x80 })
        do {
            switch try await spool.enqueue(envelope, content: content, exactID: true) {
            case .queued(let dsnID):
                add(SpooledMessage(envelope: envelope, progress: Array(repeating: RecipientProgress(), count: targets.count), warned: false,
                                   size: content.count, journal: []), dueAt: now)
                events.emit(.notificationQueued(id: id, kind: kind, notificationID: dsnID))
            case .alreadyQueued:
                break
            }
            return true
        } catch {
            events.emit(.spoolError(id: id, error: "cannot queue the \(kind.rawValue) notification: \(error)"))
            return false
        }
    }

    /// Where a notice to `sender` goes: an SRS address of ours goes back to the original
    /// sender; a hosted address to its mailboxes (and forwards); anything else remote.
    func notificationRecipients(_ sender: EmailAddress) async -> [QueueRecipient]? {
        if let srs, SRS.isSRS(sender.localPart) {
            if case .hosted = await local.route(EmailAddress(localPart: "postmaster", domain: sender.domain)),
               case .success(let original) = srs.reverse(sender, now: clock.now()) {
                return await notificationRecipients(original)
            }
        }
        switch await local.route(sender) {
        case .notHosted:
            return [QueueRecipient(address: sender, transport: .remote)]
        case .hosted(let mailboxes, let forwards):
            let out = mailboxes.map { QueueRecipient(address: $0, transport: .local) } + forwards.map { QueueRecipient(address: $0, transport: .remote) }
            return out.isEmpty ? nil : out
        case .unknown:
            return nil
        }
    }

    // MARK: operator requests

    func pollControl() async {
        while !Task.isCancelled && !stopping {
            let spool = self.spool
            let requests = (try? await spool.run { spool.takeRequests() }) ?? []
            if !requests.isEmpty { apply(requests) }
            try? await Task.sleep(for: configuration.controlPollInterval)
        }
    }

    func apply(_ requests: [ControlRequest]) {
        let now = clock.now()
        for r in requests {
            switch r {
            case .flush:
                for d in destinations.keys { destinations[d]?.pausedUntil = nil; destinations[d]?.consecutiveFailures = 0 }
                for (id, e) in entries where e.inFlight == 0 && !e.finalizing && e.nextAttempt > now {
                    entries[id]?.nextAttempt = now
                    due.push(now, id)
                }
            case .retry(let id):
                guard let e = entries[id], e.inFlight == 0, !e.finalizing else { continue }
                for r in e.pending { destinations[destination(of: e.envelope.recipients[r])]?.pausedUntil = nil }
                entries[id]?.nextAttempt = now
                due.push(now, id)
            case .deleted(let id):
                if entries[id]?.inFlight == 0 { forget(id) }
            }
        }
        wake()
    }

    func flush() {
        apply([.flush])
    }

    // MARK: idleness (tests)

    /// Nothing running, nothing due now.
    var isIdle: Bool {
        guard totalWorkers == 0 else { return false }
        let now = clock.now()
        return !entries.values.contains { $0.inFlight > 0 || $0.finalizing || $0.nextAttempt <= now }
    }

    func checkIdle() {
        guard isIdle, !idleWaiters.isEmpty else { return }
        let waiters = idleWaiters
        idleWaiters.removeAll()
        for w in waiters { w.resume() }
    }

    func waitUntilIdle() async {
        if isIdle || stopping { return }
        await withCheckedContinuation { idleWaiters.append($0) }
    }

    func snapshot() -> [String: Entry] { entries }
}

/// Messages by next attempt time (a binary min-heap; stale entries are skipped on pop).
struct DueHeap {
    var items: [(time: Date, id: String)] = []

    mutating func push(_ time: Date, _ id: String) {
        items.append((time, id))
        var i = items.count - 1
        while i > 0 {
            let parent = (i - 1) / 2
            guard items[i].time < items[parent].time else { break }
            items.swapAt(i, parent)
            i = parent
        }
    }

    func peek() -> (time: Date, id: String)? { items.first }

    mutating func pop() -> (time: Date, id: String)? {
        guard !items.isEmpty else { return nil }
        items.swapAt(0, items.count - 1)
        let top = items.removeLast()
        var i = 0
        while true {
            let l = 2 * i + 1, r = l + 1
            var m = i
            if l < items.count && items[l].time < items[m].time { m = l }
            if r < items.count && items[r].time < items[m].time { m = r }
            if m == i { break }
            items.swapAt(i, m)
            i = m
        }
        return top
    }
}
