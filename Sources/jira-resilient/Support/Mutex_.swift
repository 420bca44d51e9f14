import Synchronization

/// A copyable handle to a lock-protected value (Mutex itself cannot be captured by closures).
final class Mutex_<Value: Sendable>: Sendable {
    private let mutex: Mutex<Value>
    init(_ value: Value) { mutex = Mutex(value) }
    func get() -> Value { mutex.withLock { $0 } }
    func set(_ value: Value) { mutex.withLock { $0 = value } }
}
