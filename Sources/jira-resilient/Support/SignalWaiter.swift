import Dispatch
import Foundation

/// Waits for SIGINT, SIGTERM or SIGHUP (the terminal went away) without killing the process, so
/// commands can save their checkpoint and clean up.
enum SignalWaiter {
    static func waitForTermination() async {
        let stream = terminationSignals()
        for await _ in stream { return }
    }

    /// Delivers each SIGINT/SIGTERM/SIGHUP as a value; the default action is disabled while it lives.
    static func terminationSignals() -> AsyncStream<Int32> {
        AsyncStream { continuation in
            let sources = [SIGINT, SIGTERM, SIGHUP].map { sig -> any DispatchSourceSignal in
                signal(sig, SIG_IGN)
                let source = DispatchSource.makeSignalSource(signal: sig, queue: .global())
                source.setEventHandler { continuation.yield(sig) }
                source.resume()
                return source
            }
            let box = UncheckedBox(sources)
            continuation.onTermination = { _ in box.value.forEach { $0.cancel() } }
        }
    }
}

/// Holds a value that is only touched from one place at a time (here: signal sources cancelled once).
struct UncheckedBox<T>: @unchecked Sendable {
    let value: T
    init(_ value: T) { self.value = value }
}
