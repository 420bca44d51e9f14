/// The newest `capacity` elements, oldest first. Appending past capacity drops the oldest.
public struct RingBuffer<Element: Sendable>: Sendable {
    public let capacity: Int
    private var storage: [Element] = []
    private var start = 0

    public init(capacity: Int) {
        self.capacity = max(1, capacity)
        storage.reserveCapacity(self.capacity)
    }

    public var count: Int { storage.count }
    public var isEmpty: Bool { storage.isEmpty }

    public mutating func append(_ element: Element) {
        if storage.count < capacity {
            storage.append(element)
        } else {
            storage[start] = element
            start = (start + 1) % capacity
        }
    }

    public subscript(index: Int) -> Element {
        get { storage[(start + index) % storage.count] }
        set { storage[(start + index) % storage.count] = newValue }
    }

    /// Appends `element`, then moves it before the elements that `comesAfter` it (a stable
    /// insertion from the end: cheap when elements arrive nearly in order).
    public mutating func append(_ element: Element, keepingOrder comesAfter: (Element, Element) -> Bool) {
        append(element)
        var i = count - 1
        while i > 0, comesAfter(self[i - 1], element) {
            self[i] = self[i - 1]
            i -= 1
        }
        self[i] = element
    }

    public var elements: [Element] { (0..<count).map { self[$0] } }
    public var last: Element? { isEmpty ? nil : self[count - 1] }

    public func lastIndex(where predicate: (Element) -> Bool) -> Int? {
        var i = count - 1
        while i >= 0 {
            if predicate(self[i]) { return i }
            i -= 1
        }
        return nil
    }
}

/// A map that forgets the least recently set keys beyond `capacity`.
public struct LRUMap<Key: Hashable & Sendable, Value: Sendable>: Sendable {
    public let capacity: Int
    private var values: [Key: (value: Value, stamp: Int)] = [:]
    private var clock = 0

    public init(capacity: Int) { self.capacity = capacity }

    public subscript(key: Key) -> Value? {
        get { values[key]?.value }
        set {
            clock += 1
            if let newValue { values[key] = (newValue, clock) } else { values[key] = nil }
            if values.count > capacity + capacity / 4 {
                let keep = values.sorted { $0.value.stamp > $1.value.stamp }.prefix(capacity)
                values = Dictionary(uniqueKeysWithValues: keep.map { ($0.key, $0.value) })
            }
        }
    }
}
