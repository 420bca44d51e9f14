extension JiraClient {
    /// Pages a `startAt`/`maxResults` envelope to the end: an absent `total` means keep paging,
    /// an empty page ends, and `startAt` advances by the page's real length. Returns each
    /// element's bytes.
    ///
    /// Bounded whatever the server claims: a page that answers another `startAt` than asked, or
    /// repeats the previous page, or pages past `maxBody` bytes in all (a `total` of Int.max
    /// with new elements forever) fail with `.notJira` instead of looping or growing.
    public func collectPages(
        _ path: String, array: StaticString, pageSize: Int, operation: String, subject: RequestSubject
    ) async throws(JiraError) -> [ArraySlice<UInt8>] {
        var all: [ArraySlice<UInt8>] = []
        var startAt = 0
        var bytes = 0
        var previousFirst: ArraySlice<UInt8>?
        while true {
            let r = request(
                path, query: [("startAt", String(startAt)), ("maxResults", String(pageSize))], operation: operation,
                subject: subject)
            let page = try await transport.perform(r) { (response) throws(JiraShapeError) in
                try IssueJSON.envelope(response.body, array: array)
            }
            let place = "\(path) at startAt=\(startAt)"
            if let answered = page.startAt, answered != startAt {
                throw JiraError(
                    .notJira,
                    "\(place) answered startAt=\(answered): the server does not honour startAt, so paging would never end"
                )
            }
            if let first = page.elements.first, let previousFirst, first == previousFirst {
                throw JiraError(
                    .notJira,
                    "\(place) repeated the previous page: the server does not advance, so paging would never end")
            }
            previousFirst = page.elements.first
            bytes += page.elements.reduce(0) { $0 + $1.count }
            guard bytes <= configuration.maxBody else {
                throw JiraError(
                    .notJira,
                    "\(place): the pages passed \(ByteCount.format(configuration.maxBody)) in all (the server claims \(page.total.map(String.init) ?? "no") total)",
                    hint: .raiseMaxBody)
            }
            all += page.elements
            startAt += page.elements.count
            if page.elements.isEmpty || page.isLast == true { break }
            if let total = page.total, startAt >= total { break }
        }
        return all
    }

    /// Every changelog history of an issue. Uses the paginated `/changelog` where the server has
    /// it; a 404 there disables that route only once the issue is known to exist (an issue that
    /// is gone must not disable it for the others), then falls back to `expand=changelog`.
    public func changelog(_ key: String) async throws(JiraError) -> [ArraySlice<UInt8>] {
        if changelogPaginated.withLock({ $0 }) != false {
            do {
                let all = try await collectPages(
                    Self.path(key, "/changelog"), array: "values", pageSize: 100, operation: "changelog",
                    subject: .issue(key))
                changelogPaginated.withLock { $0 = true }
                return all
            } catch  where error.code == .notFound {
                guard try await issueExists(key) else { throw error }
                let first = changelogPaginated.withLock { state -> Bool in
                    defer { state = false }
                    return state != false
                }
                if first {
                    events.send(
                        .changelogRoute(
                            paginated: false,
                            reason:
                                "GET /issue/\(key)/changelog answered 404 for an issue that exists: using expand=changelog"
                        ))
                }
            }
        }
        let payload = try await issue(key, fields: ["summary"], expand: ["changelog"])
        let histories: [ArraySlice<UInt8>]? = JSONScanner.withScanner(payload.bytes) { s in
            let root = JSONSpan(start: s.skipWhitespace(0), end: s.count, kind: .object)
            guard let changelog = s.member("changelog", in: root), let list = s.member("histories", in: changelog)
            else { return nil }
            var out: [ArraySlice<UInt8>] = []
            s.forEachElement(of: list) { out.append(payload.bytes[$0.range]) }
            return out
        }
        guard let histories else {
            throw JiraError(.notJira, "GET /issue/\(key)?expand=changelog returned no changelog.histories")
        }
        return histories
    }

    /// Every comment (`/issue/{key}/comment`, paged).
    public func comments(_ key: String) async throws(JiraError) -> [ArraySlice<UInt8>] {
        try await collectPages(
            Self.path(key, "/comment"), array: "comments", pageSize: 100, operation: "comments", subject: .issue(key))
    }

    /// Every worklog (`/issue/{key}/worklog`, paged).
    public func worklogs(_ key: String) async throws(JiraError) -> [ArraySlice<UInt8>] {
        try await collectPages(
            Self.path(key, "/worklog"), array: "worklogs", pageSize: 1000, operation: "worklogs", subject: .issue(key))
    }

    /// Remote links: the JSON array as sent.
    public func remoteLinks(_ key: String) async throws(JiraError) -> [UInt8] {
        try await getJSON(
            request(Self.path(key, "/remotelink"), operation: "remotelinks", subject: .issue(key)), expecting: .array)
    }

    /// The watchers object (`watchCount`, `watchers`) as sent.
    public func watchers(_ key: String) async throws(JiraError) -> [UInt8] {
        try await getJSON(
            request(Self.path(key, "/watchers"), operation: "watchers", subject: .issue(key)), expecting: .object)
    }

    /// The votes object (`votes`, `voters`) as sent.
    public func voters(_ key: String) async throws(JiraError) -> [UInt8] {
        try await getJSON(
            request(Self.path(key, "/votes"), operation: "votes", subject: .issue(key)), expecting: .object)
    }

    /// A user by name: the object as sent.
    public func user(named name: String) async throws(JiraError) -> [UInt8] {
        try await getJSON(
            request("/rest/api/2/user", query: [("username", name)], operation: "user", subject: .user(name)),
            expecting: .object)
    }

    /// Every entity property of an issue: its key and the value's JSON bytes.
    public func properties(_ key: String) async throws(JiraError) -> [(key: String, value: [UInt8])] {
        let names: [String] = try await getObject(
            request(Self.path(key, "/properties"), operation: "properties", subject: .issue(key))
        ) { o in
            (o["keys"] as? [[String: Any]])?.compactMap { $0["key"] as? String }
        }
        var out: [(key: String, value: [UInt8])] = []
        for name in names {
            let bytes = try await getJSON(
                request(
                    Self.path(key, "/properties/\(JiraTransport.encode(name))"), operation: "property",
                    subject: .issue(key)), expecting: .object)
            let value: [UInt8]? = JSONScanner.withScanner(bytes) { s in
                s.member("value", in: JSONSpan(start: s.skipWhitespace(0), end: s.count, kind: .object)).map {
                    Array(bytes[$0.range])
                }
            }
            out.append((name, value ?? Array("null".utf8)))
        }
        return out
    }
}
