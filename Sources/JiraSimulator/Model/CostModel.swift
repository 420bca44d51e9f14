/// How long JIRA takes before it sends a response's head: a base cost, a cost per issue serialized
/// and a cost per issuelink that follows the curve measured on a production JIRA Server
/// (106 links 0.8 s; 816 8.2 s; 2,073 23.7 s; 4,754 56.6 s; 8,249 206.1 s). All in seconds at
/// time scale 1; the server multiplies by its time scale.
public struct CostModel: Sendable {
    public var baseSeconds = 0.05
    public var perIssueSeconds = 0.02
    /// Cost of listing keys only (`fields=key` and other id-only searches), per issue.
    public var perKeySeconds = 0.0002
    public var perHistorySeconds = 0.0005
    public var linkCurve: [(links: Double, seconds: Double)] = [
        (0, 0), (106, 0.8), (816, 8.2), (2073, 23.7), (4754, 56.6), (8249, 206.1),
    ]

    public init() {}

    /// Seconds JIRA spends serializing the issuelinks of one issue with `links` links.
    public func linkSeconds(_ links: Int) -> Double {
        let x = Double(links)
        guard x > 0 else { return 0 }
        for i in 1..<linkCurve.count where x <= linkCurve[i].links {
            let (x0, y0) = linkCurve[i - 1], (x1, y1) = linkCurve[i]
            return y0 + (y1 - y0) * (x - x0) / (x1 - x0)
        }
        let (x0, y0) = linkCurve[linkCurve.count - 2], (x1, y1) = linkCurve[linkCurve.count - 1]
        return y1 + (y1 - y0) * (x - x1) / (x1 - x0)
    }
}
