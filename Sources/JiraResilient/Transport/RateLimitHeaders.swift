import Foundation
import NIOHTTP1

/// What a Data Center server with rate limiting says about the token's bucket, from the
/// `X-RateLimit-*` headers it sends on every answer (and on its 429s).
public struct RateLimitHeaders: Sendable, Equatable {
    /// `X-RateLimit-Limit`: the bucket's size, in requests.
    public var limit: Int?
    /// `X-RateLimit-Remaining`: requests the bucket still allows now.
    public var remaining: Int?
    /// `X-RateLimit-FillRate`: tokens added every `intervalSeconds`.
    public var fillRate: Int?
    /// `X-RateLimit-Interval-Seconds`.
    public var intervalSeconds: Double?

    public init(limit: Int? = nil, remaining: Int? = nil, fillRate: Int? = nil, intervalSeconds: Double? = nil) {
        self.limit = limit
        self.remaining = remaining
        self.fillRate = fillRate
        self.intervalSeconds = intervalSeconds
    }

    /// Reads the headers; nil when the answer carries none of them. Unreadable values are nil.
    init?(_ headers: HTTPHeaders) {
        self.init { headers.first(name: $0) }
    }

    /// Reads the headers through `value`, which returns a header's value by name (any case);
    /// nil when none of them is present. Unreadable values are nil.
    public init?(value: (String) -> String?) {
        func text(_ name: String) -> String? { value(name)?.trimmingCharacters(in: .whitespaces) }
        limit = text("X-RateLimit-Limit").flatMap { Int($0) }
        remaining = text("X-RateLimit-Remaining").flatMap { Int($0) }
        fillRate = text("X-RateLimit-FillRate").flatMap { Int($0) }
        intervalSeconds = text("X-RateLimit-Interval-Seconds").flatMap { Double($0) }
        if limit == nil && remaining == nil && fillRate == nil && intervalSeconds == nil { return nil }
    }

    /// Seconds the server takes to add one token (interval ÷ fill rate), in the server's time;
    /// nil unless both are present and positive.
    public var secondsPerToken: Double? {
        guard let fillRate, fillRate > 0, let intervalSeconds, intervalSeconds > 0, intervalSeconds.isFinite else {
            return nil
        }
        return intervalSeconds / Double(fillRate)
    }
}
